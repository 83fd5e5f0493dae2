#!/usr/bin/env bash
# `make install`: not built yet.
echo "make install: not available yet - this target arrives with a later part of tlsmon" >&2
exit 1
