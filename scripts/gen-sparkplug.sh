#!/usr/bin/env bash
# Regenerate src/pabrik/connectors/sparkplug/sparkplug_b_pb2.py from sparkplug_b.proto.
# protoc comes from grpcio-tools, installed into a throw-away venv so that the project's
# own protobuf runtime stays untouched; the generated module is checked in, so running
# pabrik needs only `protobuf`. Keep protoc's major version in step with the protobuf
# runtime pinned in pyproject.toml (the generated code checks it at import).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
folder="src/pabrik/connectors/sparkplug"
tools="$(mktemp -d)"
trap 'rm -rf "$tools"' EXIT

python3 -m venv "$tools/venv"
"$tools/venv/bin/pip" install --quiet grpcio-tools
cd "$root/$folder"
"$tools/venv/bin/python" -m grpc_tools.protoc --proto_path=. --python_out=. --pyi_out=. sparkplug_b.proto
echo "generated $folder/sparkplug_b_pb2.py and .pyi with $("$tools/venv/bin/python" -m grpc_tools.protoc --version)"
