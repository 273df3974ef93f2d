#!/usr/bin/env bash
# Copies the built adapter libraries into a plugins folder under the names the gateway expects.
#
#   scripts/install-adapters.sh BIN_DIR DEST_DIR
#
# BIN_DIR is the folder printed by `swift build [-c release] --show-bin-path`.
# Each file is copied next to its destination and then renamed over it, so a gateway that is
# running with the old file mapped keeps working (the old inode stays alive until it exits).
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 BIN_DIR DEST_DIR" >&2
    exit 2
fi
bin_dir=$1
dest_dir=$2

# product library -> installed name
adapters=(
    "libOpenAIAdapter.so:openai.so"
    "libDeepSeekAdapter.so:deepseek.so"
    "libGLMAdapter.so:glm.so"
    "libAnthropicAdapter.so:anthropic.so"
)

mkdir -p "$dest_dir"
status=0
for pair in "${adapters[@]}"; do
    source_name=${pair%%:*}
    target_name=${pair##*:}
    source_path="$bin_dir/$source_name"
    if [ ! -f "$source_path" ]; then
        echo "error: $source_path not found (build first: swift build in the matching configuration)" >&2
        status=1
        continue
    fi
    install -m 0755 "$source_path" "$dest_dir/.$target_name.tmp"
    mv -f "$dest_dir/.$target_name.tmp" "$dest_dir/$target_name"
    echo "installed $source_path -> $dest_dir/$target_name"
done
exit $status
