#!/bin/bash
# Checks docs/fleet's rollout files offline, as far as that goes:
#   ssm-document.json            SSM Run Command / State Manager, schemaVersion 2.2
#   imagebuilder-component.yaml  EC2 Image Builder (AWSTOE) component, schemaVersion 1.0
#   cloud-init.yaml              #cloud-config
# Each parses and has the keys its service requires; the script each runs
# is install-and-record.sh (byte for byte, with the service's parameter);
# every shell text is valid bash (bash -n) and clean for shellcheck; every
# command line of the helper in them is one the built helper accepts, and
# each file records `status --json`; docs/fleet.md points to every file.
#
#   tests/fleet/test-fleet.sh HELPER     (meson test --suite fleet)
#
# One verdict line per check; exit 0 (pass), 1 (fail), 77 (skip: no python3
# with yaml, the reason on stderr).
set -uo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
helper=${1:?usage: test-fleet.sh HELPER}
fleet=$src/docs/fleet
failed=0

pass() { echo "PASS: $*"; }
fail() {
	echo "FAIL: $*"
	failed=1
}

python=
for p in python3 /usr/bin/python3; do
	if command -v "$p" >/dev/null && "$p" -c 'import yaml' 2>/dev/null; then
		python=$p
		break
	fi
done
if [[ -z $python ]]; then
	echo "test-fleet.sh: no python3 with the yaml module (Debian: python3-yaml; tests/setup-deps.sh build)" >&2
	exit 77
fi

work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT

# The structure, in Python: writes each shell text to $work/NAME.sh (its
# parameters given sample values) and each helper command line found in it
# to $work/NAME.calls, one per line.
"$python" - "$fleet" "$work" <<'PY' || failed=1
import json, re, sys, yaml

fleet, work = sys.argv[1], sys.argv[2]
script = open(f"{fleet}/install-and-record.sh").read()
lines = script.rstrip("\n").split("\n")
ok = True
GOOD = ["https://packages.example.com/ec2-xvd-alias-0.2.0-1.amzn2023.x86_64.rpm",
        "s3://my-bucket/pkgs/ec2-xvd-alias_0.2.0-1_amd64.deb"]
BAD = ["https://x/a.rpm'; reboot; '", "file:///etc/passwd.rpm", "https://x/a.rpm\nreboot",
       "https://x/a.tar.gz", "https://x/$(reboot).rpm", "https://x/a b.rpm"]

def verdict(good, what):
    global ok
    print(("PASS: " if good else "FAIL: ") + what)
    ok = ok and good

def params_used(text):
    return set(re.findall(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}", text))

def emit(name, text):
    text = re.sub(r"\{\{\s*PackageUrl\s*\}\}", GOOD[0], text)
    open(f"{work}/{name}.sh", "w").write(text)
    calls = []
    for m in re.finditer(r'(?:(?<!helper=)/usr/lib/udev/ec2-xvd-alias|"\$helper")((?:[ \t]+[A-Za-z0-9][A-Za-z0-9-]*|[ \t]+--[a-z-]+)*)', text):
        calls.append(m.group(1).strip())
    if '"$helper"' in text:
        verdict(re.search(r"^helper=/usr/lib/udev/ec2-xvd-alias$", text, re.M) is not None,
                f"{name}: \"$helper\" is /usr/lib/udev/ec2-xvd-alias, where the package installs it")
    open(f"{work}/{name}.calls", "w").write("".join(c + "\n" for c in calls))
    verdict("status --json" in calls, f"{name}: runs status --json")

embedded = "\n".join([lines[0], "set -- '{{ PackageUrl }}'"] + lines[1:])
emit("install-and-record", script)

# SSM document
try:
    d = json.load(open(f"{fleet}/ssm-document.json"))
except ValueError as e:
    verdict(False, f"ssm-document.json: not JSON: {e}")
    d = None
if d is not None:
    verdict(d.get("schemaVersion") == "2.2", "ssm-document.json: schemaVersion 2.2")
    verdict(isinstance(d.get("description"), str), "ssm-document.json: description")
    steps = d.get("mainSteps") or []
    verdict(len(steps) == 1 and all(s.get("action") == "aws:runShellScript" and s.get("name")
                                    and isinstance(s.get("inputs", {}).get("runCommand"), list)
                                    and all(isinstance(c, str) for c in s["inputs"]["runCommand"])
                                    for s in steps),
            "ssm-document.json: one aws:runShellScript step with a name and inputs.runCommand, a list of strings")
    params = d.get("parameters", {})
    for s in steps:
        text = "\n".join(s.get("inputs", {}).get("runCommand", []))
        used = params_used(text)
        verdict(used <= set(params), f"ssm-document.json: every parameter used is declared ({sorted(used)})")
        verdict(text == embedded, "ssm-document.json: runCommand is install-and-record.sh with set -- '{{ PackageUrl }}'")
        emit("ssm-document", text)
    p = params.get("PackageUrl", {})
    verdict(p.get("type") == "String" and "allowedPattern" in p, "ssm-document.json: PackageUrl is a String with an allowedPattern")
    pat = p.get("allowedPattern", "(?!)")
    verdict(all(re.fullmatch(pat, u) for u in GOOD), "ssm-document.json: allowedPattern accepts an https .rpm and an s3 .deb")
    verdict(not any(re.fullmatch(pat, u) for u in BAD),
            "ssm-document.json: allowedPattern rejects quotes, $( ), spaces, newlines, file:// and other files")

# Image Builder component
try:
    c = yaml.safe_load(open(f"{fleet}/imagebuilder-component.yaml"))
except yaml.YAMLError as e:
    verdict(False, f"imagebuilder-component.yaml: not YAML: {e}")
    c = None
if c is not None:
    verdict(str(c.get("schemaVersion")) == "1.0", "imagebuilder-component.yaml: schemaVersion 1.0")
    verdict(bool(c.get("name")) and bool(c.get("description")), "imagebuilder-component.yaml: name and description")
    phases = {p.get("name"): p for p in c.get("phases", [])}
    verdict({"build", "validate"} <= set(phases) <= {"build", "validate", "test"},
            f"imagebuilder-component.yaml: phases build and validate ({sorted(phases)})")
    declared = set()
    for p in c.get("parameters", []):
        verdict(isinstance(p, dict) and len(p) == 1 and list(p.values())[0].get("type") == "string",
                f"imagebuilder-component.yaml: parameter {list(p)} is a map of one name to a string type")
        declared |= set(p)
    texts = {}
    for pname, p in phases.items():
        for s in p.get("steps", []):
            cmds = s.get("inputs", {}).get("commands")
            good = bool(s.get("name")) and s.get("action") == "ExecuteBash" and isinstance(cmds, list) \
                and all(isinstance(x, str) for x in cmds)
            verdict(good, f"imagebuilder-component.yaml: {pname}/{s.get('name')}: ExecuteBash with inputs.commands, strings")
            if good:
                texts[f"{pname}-{s['name']}"] = "\n".join(cmds)
    for key, text in texts.items():
        verdict(params_used(text) <= declared, f"imagebuilder-component.yaml: {key}: every parameter used is declared")
        emit(f"imagebuilder-{key}", text)
    build = [t for k, t in texts.items() if k.startswith("build-")]
    verdict(len(build) == 1 and build[0].rstrip("\n") == embedded,
            "imagebuilder-component.yaml: the build step is install-and-record.sh with set -- '{{ PackageUrl }}'")

# cloud-init
raw = open(f"{fleet}/cloud-init.yaml").read()
verdict(raw.split("\n", 1)[0] == "#cloud-config", "cloud-init.yaml: first line #cloud-config")
try:
    ci = yaml.safe_load(raw)
except yaml.YAMLError as e:
    verdict(False, f"cloud-init.yaml: not YAML: {e}")
    ci = None
if ci is not None:
    files = ci.get("write_files", [])
    verdict(len(files) == 1 and files[0].get("path", "").startswith("/") and isinstance(files[0].get("content"), str)
            and re.fullmatch(r"0[0-7]{3}", str(files[0].get("permissions", ""))),
            "cloud-init.yaml: write_files: one file with an absolute path, content and octal permissions as a string")
    if files:
        verdict(files[0].get("content") == script, "cloud-init.yaml: the file written is install-and-record.sh")
        emit("cloud-init", files[0].get("content", ""))
    run = ci.get("runcmd", [])
    verdict(len(run) == 1 and isinstance(run[0], list) and run[0][0] == files[0].get("path") and len(run[0]) == 2
            and re.fullmatch(d["parameters"]["PackageUrl"]["allowedPattern"], run[0][1]) is not None,
            "cloud-init.yaml: runcmd runs the file written with one package URL (of the SSM document's pattern)")

sys.exit(0 if ok else 1)
PY

shopt -s nullglob
for f in "$work"/*.sh; do
	name=$(basename "$f" .sh)
	if out=$(bash -n "$f" 2>&1); then
		pass "$name: bash -n"
	else
		fail "$name: bash -n: ${out//$'\n'/ }"
	fi
	if ! command -v shellcheck >/dev/null; then
		echo "SKIP: $name: shellcheck: not installed (tests/setup-deps.sh build)"
	elif out=$(shellcheck -s bash -S style "$f" 2>&1); then
		pass "$name: shellcheck"
	else
		fail "$name: shellcheck: $(head -c 600 <<<"$out" | tr '\n' ' ')"
	fi
done

# Every command line of the helper: the built helper accepts it (on an
# empty fake machine; a usage error is exit 1 with nothing on stdout).
root=$work/root
mkdir -p "$root/sys/class/block" "$root/dev" "$root/etc"
for calls in "$work"/*.calls; do
	name=$(basename "$calls" .calls)
	while read -r line; do
		read -ra args <<<"$line"
		out=$("$helper" --root "$root" "${args[@]}" 2>"$work/err")
		rc=$?
		if ((rc == 1)) && [[ -z $out ]]; then
			fail "$name: the helper refuses '$line': $(head -n1 "$work/err")"
		elif [[ $line == "status --json" && $out != "{"*'"schema": "ec2-xvd-alias-status/1"'* ]]; then
			fail "$name: '$line' printed no status object (exit $rc)"
		else
			pass "$name: the helper accepts '$line' (exit $rc on an empty machine)"
		fi
	done <"$calls"
done

# docs/fleet.md points to each file
for f in ssm-document.json imagebuilder-component.yaml cloud-init.yaml install-and-record.sh; do
	if grep -q "(fleet/$f)" "$src/docs/fleet.md" 2>/dev/null; then
		pass "fleet.md: links fleet/$f"
	else
		fail "fleet.md: no link to fleet/$f"
	fi
done

exit "$failed"
