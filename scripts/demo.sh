#!/usr/bin/env bash
# Start the service on a fresh SQLite database with demo data; prints where to log in.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
cd "$root"
exec lrs demo "$@"
