// `node check.mjs process|chain CALLS`: one STS client whose credentials come from $AWS_PROFILE's
// credential_process, through `fromProcess` ("process") or the default Node.js chain
// `fromNodeProviderChain` ("chain"); calls GetCallerIdentity CALLS times and prints each Arn on a
// line of stdout. On failure: the error's name and message on stderr, exit 1.
// `node check.mjs --version` prints the installed package versions.
import { readFileSync } from "node:fs";
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { fromNodeProviderChain, fromProcess } from "@aws-sdk/credential-providers";

const [mode, calls] = process.argv.slice(2);
if (mode === "--version") {
  const version = (name) =>
    JSON.parse(readFileSync(new URL(`./node_modules/${name}/package.json`, import.meta.url))).version;
  console.log(`@aws-sdk/client-sts ${version("@aws-sdk/client-sts")}, @aws-sdk/credential-providers ${version("@aws-sdk/credential-providers")}`);
  process.exit(0);
}
const credentials = { process: fromProcess, chain: fromNodeProviderChain }[mode];
if (!credentials || !/^[0-9]+$/.test(calls ?? "")) {
  console.error("usage: node check.mjs process|chain CALLS | --version");
  process.exit(2);
}
const sts = new STSClient({ credentials: credentials() });
try {
  for (let i = 0; i < Number(calls); i++) {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    console.log(identity.Arn);
  }
} catch (error) {
  console.error(`${error.name}: ${error.message}`);
  process.exit(1);
}
