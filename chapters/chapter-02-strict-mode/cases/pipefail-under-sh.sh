#!/bin/sh
# pipefail entered POSIX only in its 2024 edition, and many shells still
# lack it: where /bin/sh is dash (Debian 12, Ubuntu) the tutorial's
# `#!/bin/sh` runtime dies on its first line. On Amazon Linux /bin/sh is
# bash, which is why the tutorial works there.
# shellcheck disable=SC3040  # the failure is the point of this case
set -euo pipefail
echo "not reached under dash"
