#!/usr/bin/env python3
"""Write BENCHMARKS.md from the results folder of tools/bench/run.sh.

    python3 tools/bench/report.py RESULTS_DIR BENCHMARKS.md
"""

import glob
import json
import os
import platform
import re
import statistics
import subprocess
import sys

R = sys.argv[1]
OUT = sys.argv[2]


def read(name, default=""):
    try:
        with open(os.path.join(R, name)) as f:
            return f.read().strip()
    except OSError:
        return default


def hf_median(name):
    """Median wall time (s) of a hyperfine export NAME.json, or of all runs of NAME-*.json
    (one run each, each into a folder of its own)."""
    times = []
    for path in [os.path.join(R, name + ".json")] + sorted(glob.glob(os.path.join(R, name + "-*.json"))):
        try:
            with open(path) as f:
                data = json.load(f)
        except OSError:
            continue
        times += [t for r in data["results"] for t in r.get("times", [])]
    return statistics.median(times) if times else None


def rss_mb(name):
    kb = read(name + ".rss")
    return int(kb) / 1024 if kb.isdigit() else None


def written(name):
    m = re.search(r"(\d+) written", read(name + ".err"))
    return int(m.group(1)) if m else None


def js(name):
    try:
        return json.loads(read(name))
    except ValueError:
        return {}


def cmd(*args):
    try:
        return subprocess.run(args, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return ""


def fmt_t(s):
    if s is None:
        return "n/a"
    if s < 1:
        return f"{s * 1000:.1f} ms"
    return f"{s:.2f} s"


def fmt_mb(m):
    return "n/a" if m is None else f"{m:.1f} MB"


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def fmt_x(x):
    if x is None:
        return "n/a"
    return f"{x:.2f}×" if x < 10 else f"{x:.1f}×" if x < 100 else f"{x:.0f}×"


def ok(cond):
    return "n/a" if cond is None else ("met" if cond else "**missed**")


def le(a, b):
    return None if a is None else a <= b


def ge(a, b):
    return None if a is None else a >= b


# --- machine ---------------------------------------------------------------------------------
cpu = ""
for line in cmd("lscpu").splitlines():
    if line.startswith("Model name:"):
        cpu = line.split(":", 1)[1].strip()
mem_kb = 0
with open("/proc/meminfo") as f:
    for line in f:
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
fs = cmd("df", "-T", R).splitlines()[-1].split()[1] if cmd("df", "-T", R) else "?"
commit = cmd("git", "rev-parse", "--short", "HEAD")
dirty = " (with uncommitted changes)" if cmd("git", "status", "--porcelain", "--untracked-files=no") else ""

# --- numbers ---------------------------------------------------------------------------------
one = hf_median("one-build")
one_rss = rss_mb("one-build")
peer_one = hf_median("peer-one")
peer_one_rss = rss_mb("peer-one")
N = {}
for n in (1000, 10000):
    N[n] = {
        "build": hf_median(f"build-{n}"),
        "cp": hf_median(f"cp-{n}"),
        "rebuild": hf_median(f"rebuild-{n}"),
        "check": hf_median(f"check-{n}"),
        "check_edited": hf_median(f"check-edited-{n}"),
        "check_edited_rss": rss_mb(f"check-edited-{n}"),
        "build_rss": rss_mb(f"build-{n}"),
        "rebuild_rss": rss_mb(f"rebuild-{n}"),
        "check_rss": rss_mb(f"check-{n}"),
        "written_first": written(f"build-{n}"),
        "written_again": written(f"rebuild-{n}"),
        "files": read(f"files-{n}"),
        "bytes": read(f"bytes-{n}"),
    }
inproc = {n: js(f"inproc-{n}.json") for n in (1000, 10000)}
peer = js("peer-inproc.json")
peer_apps = int(read("peer-apps", "1000") or 1000)
acc_same = inproc.get(peer_apps, {})
a, b = N[1000], N[10000]
peak10k = max([x for x in (b["build_rss"], b["rebuild_rss"], b["check_rss"], b["check_edited_rss"]) if x is not None], default=None)

# --- document --------------------------------------------------------------------------------
L = []
p = L.append
p("# Benchmarks")
p("")
p("How fast accessc is on a realistic organisation (issue 6), next to the floor (copying its")
p("own output) and the nearest peer, [policy_sentry](https://github.com/salesforce/policy_sentry).")
p("Every number below comes from one run of the script, on one machine:")
p("")
p("```sh")
p("bash tools/bench/run.sh")
p("```")
p("")
p("It builds accessc (release), generates the corpora with `tools/bench/gen_corpus.py` (50 apps")
p("per namespace, each namespace on two of four clusters, Pod Identity and IRSA alternating, five")
p("AWS grants and three Kubernetes rules per app, one `access` per namespace), times with")
p("`hyperfine` (medians) and `/usr/bin/time -v` (peak RSS), and rewrites this file. Notes on what")
p("bounds each number: [docs/performance.md](docs/performance.md).")
p("")
p("## Machine")
p("")
p(f"* CPU: {cpu or platform.processor()}, {os.cpu_count()} cores; RAM {mem_kb / 1048576:.1f} GiB")
p(f"* Linux {platform.release()}, scratch file system {fs}")
p(f"* load average (1, 5, 15 min): {read('load.start')} at the start, {read('load.end')} at the end; "
  f"measured at nice {read('nice') or '?'}")
p(f"* accessc {commit}{dirty}; {cmd('rustc', '--version')}; {cmd('hyperfine', '--version')}; "
  f"policy_sentry {read('peer.version') or '?'}")
p("")
p("## accessc")
p("")
p("| | 1 app | 1,000 apps | 10,000 apps |")
p("| --- | ---: | ---: | ---: |")
p(f"| output files (bytes) | {read('files-1')} | {a['files']} ({int(a['bytes'] or 0) / 1e6:.1f} MB) | {b['files']} ({int(b['bytes'] or 0) / 1e6:.1f} MB) |")
p(f"| `accessc build` into an empty folder | {fmt_t(one)} | {fmt_t(a['build'])} | {fmt_t(b['build'])} |")
p(f"| the floor: `cp -r` of that output into an empty folder | | {fmt_t(a['cp'])} | {fmt_t(b['cp'])} |")
p(f"| build ÷ floor | | {fmt_x(ratio(a['build'], a['cp']))} | {fmt_x(ratio(b['build'], b['cp']))} |")
p(f"| no-change rebuild | | {fmt_t(a['rebuild'])} | {fmt_t(b['rebuild'])} |")
p(f"| files written by the no-change rebuild | | {a['written_again']} | {b['written_again']} |")
p(f"| `accessc check`, output up to date | | {fmt_t(a['check'])} | {fmt_t(b['check'])} |")
p(f"| `accessc check` after a one-line edit of one source (everything compiled) | | {fmt_t(a['check_edited'])} | {fmt_t(b['check_edited'])} |")
p(f"| peak RSS: build / rebuild / check / check after an edit | {fmt_mb(one_rss)} | {fmt_mb(a['build_rss'])} / {fmt_mb(a['rebuild_rss'])} / {fmt_mb(a['check_rss'])} / {fmt_mb(a['check_edited_rss'])} | {fmt_mb(b['build_rss'])} / {fmt_mb(b['rebuild_rss'])} / {fmt_mb(b['check_rss'])} / {fmt_mb(b['check_edited_rss'])} |")
p(f"| 10,000 ÷ 1,000 apps: build / rebuild / check | | | {fmt_x(ratio(b['build'], a['build']))} / {fmt_x(ratio(b['rebuild'], a['rebuild']))} / {fmt_x(ratio(b['check'], a['check']))} |")
for n in (1000, 10000):
    i = inproc.get(n, {})
    if i:
        p(f"| in-process `accessc::compile`, {n:,} apps | | {'' if n == 10000 else fmt_t(i.get('median_s'))} | {fmt_t(i.get('median_s')) if n == 10000 else ''} |")
p("")
p("Builds into an empty folder write every file and make the tree durable (one `syncfs`) before")
p("the atomic swap; `cp -r` does not sync. Each such run writes into a folder of its own.")
p("A check or rebuild whose inputs (sources, options, the accessc executable) are the ones the")
p("output's stamp recorded, over an untouched output, compiles nothing: it verifies every output")
p("file's `stat` and replays the recorded warnings ([docs/writer.md](docs/writer.md)). After a")
p("one-line edit of one source, a check compiles the whole program and compares its output")
p("through the stat cache: that is the cost of a pull request's check.")
p("")
p("## accessc and policy_sentry")
p("")
p("| | accessc | policy_sentry | accessc is |")
p("| --- | ---: | ---: | ---: |")
p(f"| one policy, whole process (`accessc build`, one app; `policy_sentry write-policy --input-file`) | {fmt_t(one)} | {fmt_t(peer_one)} | {fmt_x(ratio(peer_one, one))} faster |")
p(f"| peak RSS of that run | {fmt_mb(one_rss)} | {fmt_mb(peer_one_rss)} | {fmt_x(ratio(peer_one_rss, one_rss))} smaller |")
ap, pp = acc_same.get("policies_per_s"), peer.get("policies_per_s")
p(f"| in-process, the same {peer_apps:,} apps: IAM policies per second | {ap or 'n/a':,} | {pp or 'n/a':,} | {fmt_x(ratio(ap, pp))} |")
iam_p = acc_same.get("aws_policies_per_s")
p(f"| in-process, the same {peer_apps:,} apps, IAM documents only (`--target aws`): policies per second | {iam_p or 'n/a':,} | {pp or 'n/a':,} | {fmt_x(ratio(iam_p, pp))} |")
aa = acc_same.get("artifacts"), acc_same.get("median_s")
if all(aa):
    p(f"| in-process, the same apps: all generated files per second | {aa[0] / aa[1]:,.0f} | | |")
p("")
p(f"accessc's in-process figures are `accessc::compile_with` of the whole program (parse, check,")
p(f"emit): for every target ({acc_same.get('artifacts', '?'):,} files, {acc_same.get('policies', '?'):,} of them permissions policies), and for the")
p(f"IAM documents only, the job policy_sentry does ({acc_same.get('aws_artifacts', '?'):,} files: policies, trust policies, AWS CLI inputs;")
p(f"every declaration is still checked); medians of {acc_same.get('runs', '?')} runs (`tools/bench/compile.rs`).")
p("policy_sentry's is `write_policy_with_template` of each app's CRUD template in one Python")
p("process, after one warm-up call (`tools/bench/peer.py`).")
p("")
lsp = js("lsp-10000.json")
p("## The editor (issue 22)")
p("")
p("`accessc lsp` with the 10,000-app corpus as its workspace, driven over standard input and output")
p("as an editor drives it (`tools/bench/lsp.rs`): one team file open, 20 one-line edits of its apps'")
p("grants 100 ms apart (as typing; every other one a misspelt action), each timed from the")
p("`didChange` to the `publishDiagnostics` of the file. Such an edit is checked on a slice of the")
p("program (the file's apps, their namespace's, every declaration that is not an app:")
p("[docs/editors.md](docs/editors.md)); the whole program is compiled again once typing pauses.")
p("")
p("| | 10,000 apps |")
p("| --- | ---: |")
p(f"| start: `initialize` to the open file's first diagnostics (every file read, parsed, compiled) | {fmt_t((lsp.get('startup_ms') or 0) / 1000)} |")
p(f"| one-line `didChange` → the file's diagnostics, median of {lsp.get('edits', '?')} (slowest) | {fmt_t((lsp.get('edit_median_ms') or 0) / 1000)} ({fmt_t((lsp.get('edit_max_ms') or 0) / 1000)}) |")
p(f"| once typing pauses: 300 ms of quiet, then the whole program compiled and published | {fmt_t((lsp.get('pause_full_compile_ms') or 0) / 1000)} |")
p(f"| completion of `s3:` ({lsp.get('completion_s3_items', '?')} items), median | {fmt_t((lsp.get('completion_s3_median_ms') or 0) / 1000)} |")
p(f"| the server's peak RSS | {fmt_mb(lsp.get('peak_rss_mb'))} |")
p("")
g10, r10 = hf_median("graph-10000"), hf_median("report-10000")
rbytes, gbytes = read("report-10000.bytes"), read("graph-10000.bytes")
rmb = int(rbytes) / 1e6 if rbytes.isdigit() else None
gmb = int(gbytes) / 1e6 if gbytes.isdigit() else None
p("## Pictures (issue 20)")
p("")
p("`accessc graph --format dot` and `accessc report` of the 10,000-app corpus, whole process (what")
p("bounds them: [docs/performance.md](docs/performance.md#pictures)).")
p("")
p("| | median | peak RSS | output |")
p("| --- | ---: | ---: | ---: |")
p(f"| `accessc graph --format dot` | {fmt_t(g10)} | {fmt_mb(rss_mb('graph-10000'))} | {gmb or 0:.1f} MB |")
p(f"| `accessc report` | {fmt_t(r10)} | {fmt_mb(rss_mb('report-10000'))} | {rmb or 0:.1f} MB |")
p("")
p("## Targets (issues 6, 20 and 22)")
p("")
p("| target | measured | |")
p("| --- | ---: | --- |")
p(f"| one-app build ≤ 10 ms, whole process | {fmt_t(one)} | {ok(le(one, 0.010))} |")
p(f"| one-app build ≤ 10 MB peak RSS | {fmt_mb(one_rss)} | {ok(le(one_rss, 10))} |")
p(f"| one-app build ≥ 40× faster than policy_sentry's one-policy run | {fmt_x(ratio(peer_one, one))} | {ok(ge(ratio(peer_one, one), 40))} |")
p(f"| 10,000 apps: `check` ≤ 0.5 s (output up to date) | {fmt_t(b['check'])} | {ok(le(b['check'], 0.5))} |")
p(f"| 10,000 apps: `build` into an empty folder ≤ 1.5× the `cp -r` floor | {fmt_x(ratio(b['build'], b['cp']))} | {ok(le(ratio(b['build'], b['cp']), 1.5))} |")
p(f"| 10,000 apps: peak RSS ≤ 300 MB | {fmt_mb(peak10k)} | {ok(le(peak10k, 300))} |")
for what in ("build", "rebuild", "check"):
    p(f"| 10,000 apps: {what} time ≤ 12× the 1,000-app time | {fmt_x(ratio(b[what], a[what]))} | {ok(le(ratio(b[what], a[what]), 12))} |")
em, cs, lr = lsp.get("edit_median_ms"), lsp.get("completion_s3_median_ms"), lsp.get("peak_rss_mb")
p(f"| (issue 22) 10,000 apps: `accessc lsp`, one-line `didChange` → diagnostics ≤ 50 ms (median of 20) | {fmt_t(em / 1000) if em else 'n/a'} | {ok(le(em, 50) if em else None)} |")
p(f"| (issue 22) 10,000 apps: `accessc lsp`, completion of `s3:` ≤ 20 ms | {fmt_t(cs / 1000) if cs else 'n/a'} | {ok(le(cs, 20) if cs else None)} |")
p(f"| (issue 22) 10,000 apps: `accessc lsp` peak RSS ≤ 400 MB | {fmt_mb(lr)} | {ok(le(lr, 400) if lr else None)} |")
p(f"| (issue 22) 10,000 apps: `accessc check` after a one-line edit of one source ≤ 200 ms | {fmt_t(b['check_edited'])} | {ok(le(b['check_edited'], 0.2))} |")
p(f"| (issue 20) 10,000 apps: `accessc graph --format dot` under 2 s | {fmt_t(g10)} | {ok(le(g10, 2.0))} |")
p(f"| (issue 20) 10,000 apps: `accessc report` under 2 s | {fmt_t(r10)} | {ok(le(r10, 2.0))} |")
p(f"| (issue 20) 10,000 apps: the report under 20 MB | {f'{rmb:.1f} MB' if rmb else 'n/a'} | {ok(le(rmb, 20) if rmb else None)} |")
wa = [x for x in (a["written_again"], b["written_again"]) if x is not None]
p(f"| a no-change rebuild writes 0 files | {', '.join(map(str, wa)) or 'n/a'} | {ok(all(x == 0 for x in wa) if wa else None)} |")
p(f"| in-process throughput ≥ 100× policy_sentry's on the same apps: the IAM documents it writes (`--target aws`) | {fmt_x(ratio(iam_p, pp))} | {ok(ge(ratio(iam_p, pp), 100))} |")
# Every target writes Kubernetes, EKS, Terraform and GitOps files too, which policy_sentry does
# not: shown, not judged against its throughput.
p(f"| (not a target) in-process, every target ({(acc_same.get('artifacts') or 0) / max(acc_same.get('policies') or 1, 1):.0f}× the files of one policy per app) against policy_sentry | {fmt_x(ratio(ap, pp))} | |")
p("")
with open(OUT, "w") as f:
    f.write("\n".join(L))
