"""What botocore makes of config and credentials files: one JSON line per file.

Usage:
    python botocore_config_view.py [--mode auto|config|credentials] [PATH ...]

Each PATH is a file, or a directory whose regular files are all read (recursively, sorted by
path; not `*.md` and dot files). Without PATHs, the paths are read from stdin, one per line; a line may start with
`config<TAB>` or `credentials<TAB>` to set that file's mode. Mode `auto` (the default) reads a
file named `credentials` as a credentials file and any other as a config file.

For each file, one line of JSON on stdout, in input order:

    {"path": P, "mode": "config", "ok": V}
    {"path": P, "mode": "config", "error": CLASS, "line": N, ...}

`ok` is exactly what botocore returns: `botocore.configloader.load_config(P)` in config mode
(the AWS CLI's reading of ~/.aws/config), `botocore.configloader.raw_config_parse(P)` in
credentials mode (its reading of ~/.aws/credentials, through `SharedCredentialProvider`).

On failure botocore raises `ConfigParseError ... from None`; the cause is still its
`__context__`, and `error` is the class name of that cause: `UnicodeDecodeError`,
`MissingSectionHeaderError`, `DuplicateSectionError`, `DuplicateOptionError`, `ParsingError`, or
`ValueError` (raised by `_parse_nested` for an indented line without `=`). With it, when known:

- `line`: the 1-based line configparser names (`lineno`; for `ParsingError` the first bad
  line's). `UnicodeDecodeError` has only a byte offset: the script decodes the whole file itself
  and gives the line (counting `\\n`, `\\r\\n` and `\\r` as line ends) of the first byte that is
  not UTF-8. `ValueError` has no line at all.
- `section`: for `DuplicateSectionError`, `DuplicateOptionError` and `ValueError`.
- `option`: for `DuplicateOptionError` and `ValueError` (found by running
  `RawConfigParser().read()` and `_parse_nested` in `raw_config_parse`'s order again).
- `count`: for `ParsingError`, how many lines it lists.

Encoding: botocore opens the file with Python's default encoding, which is the locale's (UTF-8 on
the Linux and macOS systems the AWS CLI v2 runs on; the ANSI code page on Windows unless Python's
UTF-8 mode is on). This script always reads as UTF-8, the encoding our reader assumes: it re-runs
itself with `-X utf8` (Python's UTF-8 mode) unless that mode is already on. Thousands of files
take a second or two in the one process.
"""

import configparser
import json
import os
import sys

import botocore.configloader
import botocore.exceptions


def universal_line_of(prefix):
    """The 1-based line the byte after `prefix` is on, with universal newlines."""
    return prefix.count(b"\n") + prefix.count(b"\r") - prefix.count(b"\r\n") + 1


def nested_failure(path):
    """(section, option) whose nested block `_parse_nested` refuses, in raw_config_parse's order."""
    cp = configparser.RawConfigParser()
    cp.read([path], encoding="utf-8")
    for section in cp.sections():
        for option in cp.options(section):
            value = cp.get(section, option)
            if value.startswith("\n"):
                try:
                    botocore.configloader._parse_nested(value)
                except ValueError:
                    return section, option
    return None, None


def describe(cause, path):
    out = {"error": type(cause).__name__}
    if isinstance(cause, UnicodeDecodeError):
        with open(path, "rb") as f:
            data = f.read()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as whole:
            out["line"] = universal_line_of(data[: whole.start])
    elif isinstance(cause, configparser.DuplicateSectionError):
        out["line"] = cause.lineno
        out["section"] = cause.section
    elif isinstance(cause, configparser.DuplicateOptionError):
        out["line"] = cause.lineno
        out["section"] = cause.section
        out["option"] = cause.option
    elif isinstance(cause, configparser.MissingSectionHeaderError):
        out["line"] = cause.lineno
    elif isinstance(cause, configparser.ParsingError):
        out["line"] = cause.errors[0][0]
        out["count"] = len(cause.errors)
    elif isinstance(cause, ValueError):
        section, option = nested_failure(path)
        if section is not None:
            out["section"] = section
            out["option"] = option
    else:
        out["message"] = str(cause)
    return out


def view(path, mode):
    try:
        if mode == "config":
            return {"ok": botocore.configloader.load_config(path)}
        return {"ok": botocore.configloader.raw_config_parse(path)}
    except botocore.exceptions.ConfigParseError as e:
        return describe(e.__context__, path)


def inputs(args, default_mode):
    def mode_of(path):
        if default_mode != "auto":
            return default_mode
        return "credentials" if os.path.basename(path) == "credentials" else "config"

    if not args:
        for line in sys.stdin:
            line = line.rstrip("\n")
            if not line:
                continue
            mode, sep, path = line.partition("\t")
            if sep and mode in ("config", "credentials"):
                yield path, mode
            else:
                yield line, mode_of(line)
        return
    for arg in args:
        if os.path.isdir(arg):
            found = []
            for root, _dirs, files in os.walk(arg):
                # Not the folder's notes (README.md, .gitattributes).
                names = (n for n in files if not n.startswith(".") and not n.endswith(".md"))
                found.extend(os.path.join(root, name) for name in names)
            for path in sorted(found):
                if os.path.isfile(path):
                    yield path, mode_of(path)
        else:
            yield arg, mode_of(arg)


def main():
    if not sys.flags.utf8_mode:
        os.execv(sys.executable, [sys.executable, "-X", "utf8", *sys.argv])
    args = sys.argv[1:]
    mode = "auto"
    if args and args[0].startswith("--mode"):
        if args[0] == "--mode":
            mode, args = args[1], args[2:]
        else:
            mode, args = args[0].split("=", 1)[1], args[1:]
    if mode not in ("auto", "config", "credentials"):
        sys.exit(f"unknown mode {mode!r}: auto, config or credentials")
    out = sys.stdout
    for path, file_mode in inputs(args, mode):
        record = {"path": path, "mode": file_mode}
        record.update(view(path, file_mode))
        out.write(json.dumps(record) + "\n")
    out.flush()


if __name__ == "__main__":
    main()
