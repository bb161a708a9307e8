//! The extensions registered in one execution environment, and where each
//! stands: what Lambda keeps to run them beside the runtime. An extension
//! registers during Init for the events it wants (`INVOKE`, `SHUTDOWN`),
//! then loops on `event/next` like a runtime on `next`. Init is over only
//! when every extension waits in `event/next`; so is each invocation. The
//! HTTP endpoints are `extensions_api.rs`; this room holds only the state.

use std::collections::VecDeque;

use crate::connection::Parked;

/// Lambda's limit on extensions in one function.
pub(crate) const MOST_EXTENSIONS: usize = 10;

/// The events an extension can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Subscriptions {
    pub invoke: bool,
    pub shutdown: bool,
}

/// Where one extension stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Registered, and has not yet asked for an event.
    Registered,
    /// Waiting in `event/next`.
    Waiting,
    /// Given an event, and not back in `event/next` yet.
    Working,
}

/// One registered extension.
struct Extension {
    id: String,
    name: String,
    subscriptions: Subscriptions,
    stage: Stage,
    /// Its waiting `event/next`, to write the next event on.
    parked: Option<Parked>,
    /// Events it has not asked for yet, oldest first.
    pending: VecDeque<Vec<u8>>,
}

/// Why a request of an extension is refused: Lambda's error type and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refused {
    pub error_type: &'static str,
    pub message: String,
}

fn refused(error_type: &'static str, message: String) -> Refused {
    Refused {
        error_type,
        message,
    }
}

/// Every extension of one environment.
#[derive(Default)]
pub(crate) struct Extensions {
    registered: Vec<Extension>,
    /// Registration closes when Init is over.
    closed: bool,
    /// The first `init/error` or `exit/error` an extension reported: its
    /// name and the error type it gave.
    pub error: Option<(String, String)>,
}

impl Extensions {
    /// Registers the extension `name` for `subscriptions` under `id`.
    /// Errors: registration is over (Init has ended), the name is empty or
    /// taken, or ten are registered already.
    pub(crate) fn register(
        &mut self,
        id: &str,
        name: &str,
        subscriptions: Subscriptions,
    ) -> Result<(), Refused> {
        if self.closed {
            let message = "Extension registration closed already".to_string();
            return Err(refused("Extension.RegistrationClosed", message));
        }
        if name.is_empty() {
            let message = "Empty extension name".to_string();
            return Err(refused("Extension.InvalidExtensionName", message));
        }
        if self
            .registered
            .iter()
            .any(|extension| extension.name == name)
        {
            let message = format!("An extension named {name} is registered already");
            return Err(refused("Extension.InvalidExtensionName", message));
        }
        if self.registered.len() >= MOST_EXTENSIONS {
            let message = format!("At most {MOST_EXTENSIONS} extensions can register");
            return Err(refused("Extension.TooManyExtensions", message));
        }
        self.registered.push(Extension {
            id: id.to_string(),
            name: name.to_string(),
            subscriptions,
            stage: Stage::Registered,
            parked: None,
            pending: VecDeque::new(),
        });
        Ok(())
    }

    /// Ends registration: Init is over.
    pub(crate) fn close_registration(&mut self) {
        self.closed = true;
    }

    /// How many extensions have registered.
    pub(crate) fn count(&self) -> usize {
        self.registered.len()
    }

    /// Whether every registered extension waits in `event/next`: Init, or
    /// an invocation, can end.
    pub(crate) fn all_waiting(&self) -> bool {
        (self.registered.iter()).all(|extension| extension.stage == Stage::Waiting)
    }

    /// The name of the extension `id`. Errors: no extension has that id.
    pub(crate) fn name_of(&self, id: &str) -> Result<String, Refused> {
        self.find(id).map(|extension| extension.name.clone())
    }

    fn find(&self, id: &str) -> Result<&Extension, Refused> {
        (self.registered.iter())
            .find(|extension| extension.id == id)
            .ok_or_else(|| unknown(id))
    }

    fn find_mut(&mut self, id: &str) -> Result<&mut Extension, Refused> {
        (self.registered.iter_mut())
            .find(|extension| extension.id == id)
            .ok_or_else(|| unknown(id))
    }

    /// Extension `id` asks for its next event, on `request`: an event it
    /// has pending, to answer at once, or `None` once the request is
    /// parked. Errors: no extension has that id.
    pub(crate) fn next(&mut self, id: &str, request: Parked) -> Result<Option<Vec<u8>>, Refused> {
        let extension = self.find_mut(id)?;
        if let Some(event) = extension.pending.pop_front() {
            extension.stage = Stage::Working;
            return Ok(Some(event));
        }
        extension.stage = Stage::Waiting;
        extension.parked = Some(request);
        Ok(None)
    }

    /// Hands `event` to every extension that `wants` it: written at once
    /// onto a waiting `event/next` (the requests returned, with the event),
    /// or kept for the extension's next one.
    pub(crate) fn deliver(
        &mut self,
        event: &[u8],
        wants: impl Fn(Subscriptions) -> bool,
    ) -> Vec<Parked> {
        let mut to_write = Vec::new();
        for extension in &mut self.registered {
            if !wants(extension.subscriptions) {
                continue;
            }
            match extension.parked.take() {
                Some(parked) => {
                    extension.stage = Stage::Working;
                    to_write.push(parked);
                }
                None => extension.pending.push_back(event.to_vec()),
            }
        }
        to_write
    }

    /// Lets go of every waiting `event/next` (the environment has ended).
    pub(crate) fn release(&mut self) -> Vec<Parked> {
        (self.registered.iter_mut())
            .filter_map(|extension| extension.parked.take())
            .collect()
    }

    /// A connection that closed takes the extension's waiting request with it.
    pub(crate) fn forget(&mut self, is_gone: impl Fn(&Parked) -> bool) {
        for extension in &mut self.registered {
            if extension.parked.as_ref().is_some_and(&is_gone) {
                extension.parked = None;
            }
        }
    }

    /// Extension `id` reports an error (`init/error` or `exit/error`) of
    /// `error_type`; the first one reported is kept. Errors: no extension
    /// has that id.
    pub(crate) fn report_error(&mut self, id: &str, error_type: &str) -> Result<(), Refused> {
        let name = self.name_of(id)?;
        self.error.get_or_insert((name, error_type.to_string()));
        Ok(())
    }
}

fn unknown(id: &str) -> Refused {
    refused(
        "Extension.UnknownExtensionIdentifier",
        format!("Unknown extension {id}"),
    )
}
