#!/bin/sh
# Regenerates the golden statistics of the shipped scenarios (tests/test_scenarios.c).
# Run it from the repository root after a deliberate change to a model, read the diff,
# and say in the commit message why the numbers moved.
set -e
prog=${IOMMUSIM:-build/iommusim}
out=$(mktemp -d)
for f in configs/scenarios/*.yaml; do
    name=$(basename "$f" .yaml)
    "$prog" run "$f" --quiet --out "$out/$name"
    cp "$out/$name/stats.json" "tests/golden/$name.json"
    echo "tests/golden/$name.json"
done
rm -rf "$out"
