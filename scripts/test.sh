#!/usr/bin/env bash
# Run the whole test suite. Uses DATABASE_URL when set (PostgreSQL), else SQLite.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
cd "$root"
export LRS_DATA_DIR="${LRS_DATA_DIR:-$root/var/test-data}"
exec pytest "$@"
