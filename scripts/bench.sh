#!/usr/bin/env bash
# `make bench`: not built yet.
echo "make bench: not available yet - this target arrives with a later part of tlsmon" >&2
exit 1
