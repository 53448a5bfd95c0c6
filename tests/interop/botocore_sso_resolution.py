"""What botocore's SSO credential provider makes of each profile of a config-file case.

Usage:
    python botocore_sso_resolution.py [--write] CASE_DIR ...

Each CASE_DIR holds a `config` and/or a `credentials` file (test-data/config-files/<case>/). For
each case, the files are read as the AWS CLI reads them (`Session.full_config`: the config file,
with the credentials file's sections merged into its profiles) and every profile is resolved as
botocore's `SSOProvider` resolves it (`_load_sso_config`, then the `SSOCredentialFetcher` and
`SSOTokenLoader` it would build for them), giving for each profile one of:

    {"sso": {"start_url", "region", "account_id", "role_name", "session" (or null),
             "token_file": sha1 name of the SSO token file,
             "role_cache_file": sha1 name of the AWS CLI's role credential cache file}}
    {"not_sso": null}          # the SSO provider does not apply (no sso_account_id/sso_role_name)
    {"error": "InvalidConfigError"}   # it applies and refuses the profile
    {"not_checked": REASON}    # resolved by another provider first (role_arn, web identity), or
                               # values that are not text (nested blocks)

and for a file the CLI cannot read at all: {"refused": true}.

Without --write, one JSON line per case on stdout: {"case": NAME, "result": ...}. With --write,
the result is written to CASE_DIR/expected-sso.json (sorted keys, 2-space indent, final newline),
which the integration tests (tests/it/corpus.rs) run the helper against.
"""

import json
import os
import sys

import botocore.credentials
import botocore.exceptions
import botocore.session
import botocore.utils


def resolve(case_dir):
    missing = os.path.join(case_dir, "does-not-exist")
    config = os.path.join(case_dir, "config")
    credentials = os.path.join(case_dir, "credentials")
    os.environ["AWS_CONFIG_FILE"] = config if os.path.isfile(config) else missing
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = credentials if os.path.isfile(credentials) else missing
    session = botocore.session.Session()
    try:
        full_config = session.full_config
    except botocore.exceptions.ConfigParseError:
        return {"refused": True}
    profiles = {}
    for name, profile in sorted(full_config.get("profiles", {}).items()):
        if "role_arn" in profile or "web_identity_token_file" in profile:
            # The assume-role providers come before SSO in botocore's chain.
            profiles[name] = {"not_checked": "resolved by an assume-role provider first"}
            continue
        provider = botocore.credentials.SSOProvider(
            load_config=lambda: full_config, client_creator=None, profile_name=name, cache={}, token_cache={}
        )
        try:
            sso = provider._load_sso_config()
        except botocore.exceptions.InvalidConfigError:
            profiles[name] = {"error": "InvalidConfigError"}
            continue
        if not sso:
            profiles[name] = {"not_sso": None}
            continue
        if not all(isinstance(value, str) for value in sso.values()):
            profiles[name] = {"not_checked": "a value is a nested block"}
            continue
        session_name = sso.get("sso_session")
        fetcher = botocore.credentials.SSOCredentialFetcher(
            start_url=sso["sso_start_url"],
            sso_region=sso["sso_region"],
            role_name=sso["sso_role_name"],
            account_id=sso["sso_account_id"],
            client_creator=None,
            sso_session_name=session_name,
        )
        token_key = botocore.utils.SSOTokenLoader(cache={})._generate_cache_key(sso["sso_start_url"], session_name)
        profiles[name] = {
            "sso": {
                "start_url": sso["sso_start_url"],
                "region": sso["sso_region"],
                "account_id": sso["sso_account_id"],
                "role_name": sso["sso_role_name"],
                "session": session_name,
                "token_file": token_key + ".json",
                "role_cache_file": fetcher._create_cache_key() + ".json",
            }
        }
    return {"profiles": profiles}


def main(argv):
    write = "--write" in argv
    for case_dir in [a for a in argv if a != "--write"]:
        result = resolve(case_dir)
        if write:
            with open(os.path.join(case_dir, "expected-sso.json"), "w", encoding="utf-8") as out:
                out.write(json.dumps(result, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
        else:
            print(json.dumps({"case": os.path.basename(os.path.normpath(case_dir)), "result": result}))


if __name__ == "__main__":
    main(sys.argv[1:])
