//! The SAM template (`template.yaml`) checked by cfn-lint, AWS's linter for
//! CloudFormation templates, which expands SAM's resources first, as
//! CloudFormation will, and checks every property against the resource
//! specifications. Deploying needs an AWS account; this needs neither.

use std::path::Path;
use std::process::{Command, Output};

use harness::TaskRoot;

/// The template, from the chapter's folder.
fn template() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/template.yaml"))
}

/// cfn-lint run on `templates`, or `None`, with the reason said, where it
/// is not installed; in CI that is a failure.
fn cfn_lint(test: &str, templates: &[&Path]) -> Option<Output> {
    match Command::new("cfn-lint").args(templates).output() {
        Ok(output) => Some(output),
        Err(error) => {
            harness::skip_for_missing(test, &format!("cfn-lint ({error})"), "pip install cfn-lint");
            None
        }
    }
}

#[test]
fn the_sam_template_passes_cfn_lint() {
    let Some(output) = cfn_lint("the_sam_template_passes_cfn_lint", &[template()]) else {
        return;
    };
    harness::claim_eq(
        "cfn-lint finds nothing: no error, no warning (exit status 0, no output)",
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        ),
        (Some(0), String::new()),
    );
}

#[test]
fn cfn_lint_refuses_a_misspelt_property_and_a_timeout_lambda_does_not_allow() {
    let work = TaskRoot::new();
    let original = std::fs::read_to_string(template()).unwrap();
    let broken = |name: &str, from: &str, to: &str| {
        assert!(original.contains(from), "the template has {from:?}");
        work.write(name, original.replace(from, to))
    };
    let misspelt = broken("misspelt.yaml", "Handler:", "Handlr:");
    let too_long = broken("too-long.yaml", "Timeout: 30", "Timeout: 901");
    let Some(output) = cfn_lint(
        "cfn_lint_refuses_a_misspelt_property_and_a_timeout_lambda_does_not_allow",
        &[&misspelt, &too_long],
    ) else {
        return;
    };
    let report = String::from_utf8_lossy(&output.stdout);
    // cfn-lint's exit status is a bit mask; 2 is the bit for errors.
    let errors = output.status.code().is_some_and(|code| code & 2 != 0);
    harness::claim_eq(
        "cfn-lint reports errors, naming the misspelt property and Lambda's 900 s",
        (
            errors,
            report.contains("property Handlr not defined"),
            report.contains("901 is greater than the maximum of 900"),
        ),
        (true, true, true),
    );
}
