#!/usr/bin/env python3
"""Check a Prometheus text exposition (format 0.0.4) strictly enough to
stand in for `promtool check metrics`:

    promcheck.py FILE [NAME ...]

every sample's family has exactly one HELP and one TYPE line before its
samples; names and label names are valid; label values are quoted and
escaped; no series appears twice; values parse as floats; counters end
in _total and are not negative; each NAME given must be present.  Exit 0
when it holds, 1 with the reasons otherwise.
"""
import re
import sys

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    want = sys.argv[2:]
    errors, help_, type_, seen, families = [], {}, {}, set(), set()
    if not text.endswith("\n"):
        errors.append("the exposition does not end with a newline")
    for n, line in enumerate(text.split("\n")[:-1], 1):
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            parts = line.split(" ", 3)
            if len(parts) < 4 or not NAME.match(parts[2]):
                errors.append("%d: bad comment line" % n)
                continue
            d = help_ if parts[1] == "HELP" else type_
            if parts[2] in d:
                errors.append("%d: second %s for %s" % (n, parts[1], parts[2]))
            if parts[2] in families:
                errors.append("%d: %s after samples of %s" %
                              (n, parts[1], parts[2]))
            d[parts[2]] = parts[3]
            if parts[1] == "TYPE" and parts[3] not in (
                    "counter", "gauge", "histogram", "summary", "untyped"):
                errors.append("%d: unknown type %s" % (n, parts[3]))
            continue
        if line.startswith("#") or line == "":
            continue
        m = re.match(r"([^{ ]+)(\{(.*)\})? (\S+)$", line)
        if not m:
            errors.append("%d: not a sample: %r" % (n, line))
            continue
        name, labels, value = m.group(1), m.group(3) or "", m.group(4)
        if not NAME.match(name):
            errors.append("%d: bad name %s" % (n, name))
        rest, pairs = labels, []
        while rest:
            lm = LABEL.match(rest)
            if not lm:
                errors.append("%d: bad labels {%s}" % (n, labels))
                break
            pairs.append(lm.group(1))
            rest = rest[lm.end():]
            if rest.startswith(","):
                rest = rest[1:]
            elif rest:
                errors.append("%d: bad labels {%s}" % (n, labels))
                break
        if len(set(pairs)) != len(pairs):
            errors.append("%d: a label twice" % n)
        if name not in type_ or name not in help_:
            errors.append("%d: %s has no HELP/TYPE before it" % (n, name))
        key = (name, labels)
        if key in seen:
            errors.append("%d: series %s{%s} twice" % (n, name, labels))
        seen.add(key)
        families.add(name)
        try:
            v = float(value)
        except ValueError:
            errors.append("%d: value %r" % (n, value))
            continue
        if type_.get(name) == "counter":
            if not name.endswith("_total"):
                errors.append("%d: counter %s lacks _total" % (n, name))
            if v < 0:
                errors.append("%d: negative counter" % n)
    for w in want:
        if w not in families:
            errors.append("missing %s" % w)
    for e in errors:
        print(e)
    print("promcheck: %d series, %d families, %d problems" %
          (len(seen), len(families), len(errors)))
    sys.exit(1 if errors else 0)


main()
