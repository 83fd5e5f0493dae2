# SPDX-License-Identifier: BSD-3-Clause
"""The Prometheus text exposition format (0.0.4) for tests, parsed strictly,
and tlsmon's label values decoded back to the bytes they stand for.

parse(text) -> {family name: Family}; raises ValueError(line number, why) on
anything a strict reader would refuse: a sample before its TYPE, an escape
other than \\\\ \\" \\n, a label given twice, a series given twice, a
timestamp (node_exporter's textfile collector refuses them).

decode_value(s) -> (bytes, truncated, folded): tlsmon writes a wire byte
outside 0x20-0x7e as \\xNN and a backslash as \\\\ (in the value, after the
format's own unescaping); "other" is the folded series, a value ending in
\\... was cut.

TAP helpers print "ok - NAME" / "not ok - NAME" lines for tests/lib/prom.sh.
"""
import re

NAME_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


class Family:
    def __init__(self, name):
        self.name = name
        self.type = None
        self.help = None
        self.samples = []     # (sample name, ((label, value), ...) sorted, float)

    def series(self, suffix=""):
        """{labels tuple: value} of the samples named family + suffix."""
        return {lab: v for n, lab, v in self.samples if n == self.name + suffix}


def _labels(s, i, lineno):
    """Parse {a="x",...} starting at s[i] == '{'; returns (labels, next index)."""
    out = []
    i += 1
    while True:
        if s[i] == "}":
            return out, i + 1
        m = LABEL_RE.match(s, i)
        if not m:
            raise ValueError(lineno, "bad label name at %d" % i)
        name = m.group(0)
        i = m.end()
        if s[i:i + 2] != '="':
            raise ValueError(lineno, "expected =\" after %s" % name)
        i += 2
        val = []
        while True:
            if i >= len(s):
                raise ValueError(lineno, "unterminated value of %s" % name)
            c = s[i]
            if c == "\\":
                e = s[i + 1:i + 2]
                if e == "\\":
                    val.append("\\")
                elif e == '"':
                    val.append('"')
                elif e == "n":
                    val.append("\n")
                else:
                    raise ValueError(lineno, "bad escape \\%s in %s" % (e, name))
                i += 2
            elif c == '"':
                i += 1
                break
            else:
                val.append(c)
                i += 1
        if any(n == name for n, _ in out):
            raise ValueError(lineno, "label %s twice" % name)
        out.append((name, "".join(val)))
        if s[i] == ",":
            i += 1
        elif s[i] != "}":
            raise ValueError(lineno, "expected , or } after %s" % name)


def _family_of(fams, sample):
    if sample in fams:
        return fams[sample]
    for suf, types in (("_bucket", ("histogram",)), ("_sum", ("histogram", "summary")),
                       ("_count", ("histogram", "summary"))):
        base = sample[:-len(suf)]
        if sample.endswith(suf) and base in fams and fams[base].type in types:
            return fams[base]
    return None


def parse(text):
    fams = {}
    seen = set()
    if text and not text.endswith("\n"):
        raise ValueError(0, "no newline at the end")
    for lineno, line in enumerate(text.split("\n")[:-1], 1):
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            parts = line.split(" ", 3)
            if len(parts) < 4 or not NAME_RE.fullmatch(parts[2]):
                raise ValueError(lineno, "bad " + parts[1])
            f = fams.setdefault(parts[2], Family(parts[2]))
            if parts[1] == "HELP":
                if f.help is not None:
                    raise ValueError(lineno, "HELP twice for " + f.name)
                f.help = parts[3]
            else:
                if f.type is not None or f.samples or parts[3] not in TYPES:
                    raise ValueError(lineno, "TYPE late, twice or unknown for " + f.name)
                f.type = parts[3]
            continue
        if line.startswith("#"):
            continue
        if not line:
            raise ValueError(lineno, "empty line")
        m = NAME_RE.match(line)
        if not m:
            raise ValueError(lineno, "bad sample name")
        name = m.group(0)
        i = m.end()
        labels = []
        if i < len(line) and line[i] == "{":
            labels, i = _labels(line, i, lineno)
        rest = line[i:]
        if not rest.startswith(" ") or " " in rest[1:]:
            raise ValueError(lineno, "expected one space and a value (no timestamp)")
        value = float(rest[1:])
        f = _family_of(fams, name)
        if f is None or f.type is None:
            raise ValueError(lineno, "sample %s without a TYPE" % name)
        key = (name, tuple(sorted(labels)))
        if key in seen:
            raise ValueError(lineno, "series given twice: %s" % (key,))
        seen.add(key)
        f.samples.append((name, tuple(sorted(labels)), value))
    return fams


def decode_value(s):
    """tlsmon's label value back to (bytes, truncated, folded)."""
    if s == "other":
        return b"", False, True
    out = bytearray()
    i = 0
    trunc = False
    while i < len(s):
        c = s[i]
        if c != "\\":
            if not (0x20 <= ord(c) <= 0x7E):
                raise ValueError("raw byte %r in a value" % c)
            out.append(ord(c))
            i += 1
        elif s[i + 1:i + 2] == "\\":
            out.append(0x5C)
            i += 2
        elif s[i + 1:i + 2] == "x" and re.fullmatch(r"[0-9a-f]{2}", s[i + 2:i + 4]):
            out.append(int(s[i + 2:i + 4], 16))
            i += 4
        elif s[i:] == "\\...":
            trunc = True
            break
        else:
            raise ValueError("bad escape in %r" % s)
    return bytes(out), trunc, False


class Tap:
    """Checks as TAP lines for tests/lib/prom.sh's py_tap."""

    def __init__(self):
        self.failed = 0

    def ok(self, cond, name, *detail):
        if cond:
            print("ok - " + name)
        else:
            self.failed += 1
            print("not ok - " + name)
            for d in detail:
                for line in str(d).splitlines() or [""]:
                    print("#   " + line[:300])
        return cond

    def eq(self, got, want, name):
        return self.ok(got == want, name, "got:  %r" % (got,), "want: %r" % (want,))
