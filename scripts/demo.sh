#!/usr/bin/env bash
# `make demo`: not built yet.
echo "make demo: not available yet - this target arrives with a later part of tlsmon" >&2
exit 1
