#!/usr/bin/env bash
# Measures every lesson in CPython on this machine and writes what each script prints into
# src/engine/lessons/python/measured/: <lesson>.k<k>.json for the lessons whose steps take a k
# (k = 2, 4 and 8), <lesson>.json for the rest. The lessons quote these figures, and the native
# tests judge them with the lessons' own claims (src/engine/lessons/claims.rs): every claim must
# hold on CPython's own data, or its threshold is wrong.
#   scripts/cpython-figures.sh            every lesson, with python3
#   scripts/cpython-figures.sh gil copy   those lessons only
# Run it on a quiet machine: it takes about 20 minutes here, and every figure is a timing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$OVERLAP_ROOT/src/engine/lessons/python"
PYTHON="${PYTHON:-python3}"
WITH_K=(gil released copy reuse imap async-cpu)
# Measured in rounds: 15 of them here (5 is a script's default), since this machine's two cores run
# CPython at speeds up to 40 % apart and a step may land on either (taskset: count(2e7) 0.73-1.03 s
# on one, 1.04-1.15 s on the other), which spreads a ratio taken within a round.
ROUNDS=(gil released copy reuse async-cpu)
WITHOUT_K=(fetch bounded thousands blocked lock deadlock)
wanted=("$@")
[ ${#wanted[@]} -eq 0 ] && wanted=("${WITH_K[@]}" "${WITHOUT_K[@]}")
mkdir -p measured
for lesson in "${wanted[@]}"; do
    if [[ " ${WITH_K[*]} " == *" $lesson "* ]]; then
        for k in 2 4 8; do
            log "$lesson, k = $k"
            rounds=()
            [[ " ${ROUNDS[*]} " == *" $lesson "* ]] && rounds=(--rounds 15)
            "$PYTHON" "$lesson.py" --k "$k" "${rounds[@]}" | tail -n 1 >"measured/$lesson.k$k.json"
        done
    elif [[ " ${WITHOUT_K[*]} " == *" $lesson "* ]]; then
        log "$lesson"
        "$PYTHON" "$lesson.py" | tail -n 1 >"measured/$lesson.json"
    else
        echo "no lesson $lesson" >&2
        exit 2
    fi
done
