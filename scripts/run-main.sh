#!/usr/bin/env bash
# The main job: build and boot the showcase unikernel with kiln's defaults
# (hvt where KVM is usable, else unix; user-mode networking).
set -euo pipefail
cd "$(dirname "$0")/.."
app=apps/decks
[ -d "$app" ] || app=apps/hello
exec bin/kiln run "$app"
