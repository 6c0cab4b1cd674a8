"""docs/ci.md's workflows are YAML that parses, with the jobs GitHub Actions needs, and every
option they give `fdlab replay`, `scripts/replay` and `fdlab merge` is one the command has.
    python3 tests/ci_workflow_test.py FDLAB docs/ci.md"""
import re
import subprocess
import sys

import yaml

fdlab, doc = sys.argv[1:]
text = open(doc, encoding="utf-8").read()
blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
failures = 0


def check(name, ok, detail=""):
    global failures
    print(("ok   " if ok else "FAIL ") + name + ("" if ok or not detail else ": " + detail))
    failures += 0 if ok else 1


def options_of(command):
    out = subprocess.run([fdlab] + command + ["--help"], capture_output=True, text=True).stdout
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*|-[a-zA-Z])\b", out))


known = {"replay": options_of(["replay"]), "merge": options_of(["merge"])}
check("docs/ci.md has the workflow and the kernels job", len(blocks) == 2, str(len(blocks)))
jobs = {}
for i, block in enumerate(blocks):
    # The second block is jobs to add to the first workflow's: indented under `jobs:`.
    source = block if i == 0 else "jobs:\n" + block
    try:
        doc_yaml = yaml.safe_load(source)
    except yaml.YAMLError as e:
        check("block %d parses as YAML" % i, False, str(e))
        continue
    check("block %d parses as YAML" % i, True)
    if i == 0:
        check("the workflow has a trigger and jobs", "jobs" in doc_yaml and True in doc_yaml)
    jobs.update(doc_yaml["jobs"])
for name, job in jobs.items():
    check("job %s has runs-on and steps" % name, "runs-on" in job and job.get("steps"))
check("the matrix job needs the others", set(jobs["matrix"]["needs"]) == {"replay", "usocket"})
m = jobs["replay"]["strategy"]["matrix"]
check("replay is a matrix of runners and images", len(m["runner"]) >= 2 and len(m["image"]) >= 2)

commands = [s["run"] for job in jobs.values() for s in job["steps"] if "run" in s]
used = 0
for run in commands:
    for piece in re.split(r"&&|\n(?=\S)", run):
        m = re.search(r"(?:fdlab (replay|merge)|scripts/(replay))\b(.*)", piece, re.S)
        if not m:
            continue
        which = m.group(1) or "replay"
        # Quoted values (a label) are values, not options.
        args = re.sub(r"\"[^\"]*\"|'[^']*'", "''", m.group(3))
        for opt in re.findall(r"(?<![\w/.-])(--[a-z][a-z-]*|-[a-zA-Z])\b", args):
            used += 1
            check("%s knows %s" % (which, opt), opt in known[which])
check("the workflows use fdlab's options (%d checked)" % used, used >= 10)
print("ci workflow tests: %d failed" % failures)
sys.exit(1 if failures else 0)
