#!/usr/bin/env python3
"""Seeded mutation and property fuzz of the sxsim command line (issue 13, item 18).

Every input is one sxsim process: a command (run, check, template, design, sweep, sweep --merge,
compare, slurm, or a garbled command line) over a shipped example (Flowsheets/*.yaml,
Flowsheets/invalid/*.yaml, docs/examples/*.design) that is mutated (truncation, deleted spans,
YAML-significant characters, line operations, extreme numbers, misspelt keys) or driven through
random overrides (`--set KEY=VALUE` on key paths read from the example, extreme values) and
random options. Each process must end by itself within the time limit with one of the
documented exit codes (0, 1, 2, 3, 64, 66, 73, 74; docs/cli.md) and stay under the memory
limit. A crash (a signal, or an exit code outside that set), a hang (killed at the limit) or a
process over the memory limit is a finding: the command is printed and the input kept.

    python3 Benchmarks/fuzz.py --sxsim .build/release/sxsim --count 10000 --seed 1
    python3 Benchmarks/fuzz.py --sxsim .build/debug/sxsim --count 300      # what CI runs
    python3 Benchmarks/fuzz.py --sxsim ... --only 4711                     # one input again

Input I of seed S is the same on every machine (random.Random seeded with S and I), so
`--only I` with the same seed repeats a finding. Exit status: 0 when there is no finding, 1
otherwise. Standard library only (CI's machines have CPython and nothing else from PyPI).
"""
import argparse
import collections
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCUMENTED_EXIT_CODES = {0, 1, 2, 3, 64, 66, 73, 74}

FRAGMENTS = [":", "-", "{", "}", "[", "]", "#", "\t", " ", "\n", "'", '"', "&", "*", "!", "%", "|", ">",
             "0", "9", ".", "e", "~", "ü", "\u0000", "\u202e", "\ufeff", "?", ",", "@", "`"]
EXTREMES = ["0", "-1", "1e308", "1e-308", "-0", "nan", ".nan", ".inf", "-.inf", "999999", "1e400", "2147483648",
            "9223372036854775808", "-9223372036854775809", "0 L/h", "~", "[]", "{}", '""', "1 mol/L", "100 %",
            "-5 %", "1e-320", "0x10", "1_000", "12 parsecs", "extraction.last", "stage.0", "K", "&a", "*a", "yes",
            "1 m3/h", "1e6 L/h", "0.5", "3", "60", "1000"]
UNITS = ["", " L/h", " mol/L", " %", " m3/h", " g/L REO", " kg", " L/min"]
SMALL_EXAMPLES = ["kremser", "fractional-extraction", "xu-model", "ndsm-split"]


def key_paths(text):
    """Leaf key paths of a flowsheet with their values as written, read from its indentation
    (no YAML library needed): `b: value` lines under `a:` blocks, and the entries of one-line
    `{k: v, ...}` maps."""
    paths, stack = {}, []
    for line in text.splitlines():
        stripped = line.split(" #")[0].rstrip()
        if not stripped.strip() or stripped.lstrip().startswith("#") or stripped.lstrip().startswith("- "):
            continue
        m = re.match(r"^( *)([A-Za-z0-9_.+-]+):(.*)$", stripped)
        if not m:
            continue
        indent, key, rest = len(m.group(1)), m.group(2), m.group(3).strip()
        while stack and stack[-1][0] >= indent:
            stack.pop()
        path = ".".join([k for _, k in stack] + [key])
        if rest.startswith("{"):
            for inner, v in re.findall(r"([A-Za-z0-9_.+-]+): *([^,{}]+)", rest):
                paths[path + "." + inner] = v.strip()
        elif rest:
            paths[path] = rest
        stack.append((indent, key))
    return paths


def near(written, rng):
    """A value near the one written (same unit), or an extreme one."""
    m = re.match(r"^(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(.*)$", written or "")
    if not m or rng.random() < 0.25:
        return value(rng)
    x = float(m.group(1)) * rng.choice([0, 0.5, 0.9, 0.99, 1, 1.01, 1.1, 2, 10, -1])
    number = str(int(x)) if re.fullmatch(r"-?\d+", m.group(1)) else repr(x)
    return number + m.group(2)


def mutate(text, rng):
    s = text
    for _ in range(rng.choice([1, 1, 1, 2, 3, 4])):
        if not s:
            break
        op = rng.randrange(10)
        if op == 0:
            s = s[:rng.randrange(len(s))]
        elif op == 1:
            a = rng.randrange(len(s))
            s = s[:a] + s[a + rng.randint(1, 30):]
        elif op == 2:
            a = rng.randrange(len(s))
            s = s[:a] + rng.choice(FRAGMENTS) + s[a + 1:]
        elif op in (3, 4, 5):
            lines = s.split("\n")
            a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
            kind = rng.randrange(4)
            if kind == 0:
                lines.insert(b, lines[a])
            elif kind == 1:
                del lines[a]
            elif kind == 2:
                lines[a], lines[b] = lines[b], lines[a]
            else:
                lines[a] = " " * rng.choice([1, 2, 3, 4, 8]) + lines[a]
            s = "\n".join(lines)
        elif op in (6, 7):
            numbers = list(re.finditer(r"-?\d+(\.\d+)?([eE][-+]?\d+)?( ?(L/h|mol/L|%|m3/h|g/L REO))?", s))
            if numbers:
                m = rng.choice(numbers)
                s = s[:m.start()] + rng.choice(EXTREMES) + s[m.end():]
        elif op == 8:
            keys = list(re.finditer(r"([A-Za-z][A-Za-z-]+):", s))
            if keys:
                m = rng.choice(keys)
                k = m.group(1)
                i = rng.randrange(len(k))
                typo = k[:i] + k[i + 1:] if rng.random() < 0.5 else k[:i] + rng.choice("aeiouxz") + k[i:]
                s = s[:m.start()] + typo + ":" + s[m.end():]
        else:
            a = rng.randrange(len(s))
            span = s[a:a + rng.randint(1, 200)]
            s = s[:a] + span * rng.randint(2, 5) + s[a:]
    return s


def value(rng):
    if rng.random() < 0.5:
        return rng.choice(EXTREMES)
    return repr(rng.uniform(-10, 400))[:8] + rng.choice(UNITS)


class Inputs:
    """The shipped inputs, read once."""

    def __init__(self):
        fs = os.path.join(ROOT, "Flowsheets")
        self.examples = {n[:-5]: open(os.path.join(fs, n), encoding="utf-8").read()
                         for n in sorted(os.listdir(fs)) if n.endswith(".yaml")}
        inv = os.path.join(fs, "invalid")
        self.invalid = {n[:-5]: open(os.path.join(inv, n), encoding="utf-8").read()
                        for n in sorted(os.listdir(inv)) if n.endswith(".yaml")}
        ex = os.path.join(ROOT, "docs", "examples")
        self.designs = {n: open(os.path.join(ex, n), encoding="utf-8").read() for n in sorted(os.listdir(ex)) if n.endswith(".design")}
        self.paths = {n: key_paths(t) for n, t in self.examples.items()}


def sweep_spec(rng, paths, malformed=0.1):
    """A --vary KEY=SPEC near the flowsheet's own values (so that most grids run), or with
    probability `malformed` a broken one."""
    numeric = [k for k, v in paths.items() if re.match(r"-?\d", v)]
    key = rng.choice(numeric or list(paths) or ["x"]) if rng.random() < 0.9 else rng.choice(list(paths) + ["a.b", "cascades", "", "=", "targets.9.min-purity"])
    written = paths.get(key, "1")
    kind = 4 if rng.random() < malformed else rng.randrange(4)
    if kind <= 1:
        lo, hi = near(written, rng), near(written, rng)
        lo_n, hi_n = lo.split(" ")[0], hi.split(" ")[0]
        unit = written.split(" ", 1)[1] if " " in written and rng.random() < 0.8 else ""
        return f"{key}={lo_n}:{hi_n}:{rng.randint(1, 6)}{' ' + unit if unit else ''}"
    if kind == 2:
        return f"{key}=" + ",".join(near(written, rng) for _ in range(rng.randint(1, 4)))
    if kind == 3:
        return f"{key}={near(written, rng)}"
    # Malformed specs, and a COUNT over the limit (refused before anything runs). A valid grid of
    # a million cases is not generated: it is an hour of real work, not a hang.
    return rng.choice([f"{key}", f"{key}=1:2", f"{key}=1:2:3:4", f"{key}=,", f"{key}=1:2:2000000", f"{key}=:::"])


def make_input(index, seed, inputs, work):
    """The command (argv after sxsim), the standard input text and a label for input `index`."""
    rng = random.Random(f"{seed}:{index}")
    names = list(inputs.examples)
    kind = rng.choices(["check", "run", "run-set", "template", "design", "sweep", "merge", "compare", "slurm", "garbled", "stdin"],
                       weights=[16, 20, 14, 2, 8, 12, 6, 6, 4, 6, 6])[0]
    name = rng.choice(names + list(inputs.invalid)[:3])
    original = inputs.examples.get(name) or inputs.invalid[name]
    path = os.path.join(work, "mutant.yaml")

    def write(p, text):
        with open(p, "w", encoding="utf-8", errors="surrogatepass") as f:
            f.write(text)
        return p

    stdin = None
    if kind == "check":
        argv = ["check", write(path, mutate(original, rng))] + (["--json"] if rng.random() < 0.3 else [])
    elif kind in ("run", "stdin"):
        small = rng.random() < 0.7
        if small:
            name = rng.choice(SMALL_EXAMPLES)
            original = inputs.examples[name]
        text = mutate(original, rng) if rng.random() < 0.7 else original
        if kind == "stdin":
            argv, stdin = ["run", "-"], text
        else:
            argv = ["run", write(path, text)]
        argv += rng.choice([[], ["--format", rng.choice(["text", "json", "csv", "html", "svg", "pdf"])]])
        if rng.random() < 0.3:
            argv += ["--format", "svg", "--plot", rng.choice(["profiles", "mccabe-thiele", "mccabe-thiele-log-odds", "ph", "loading",
                                                               "distribution", "convergence", "nope"])]
        for flag in ["--profiles", "--targets", "--last-iterate", "--no-timing"]:
            if rng.random() < 0.15:
                argv.append(flag)
        if rng.random() < 0.2:
            argv += ["-o", os.path.join(work, rng.choice(["out.txt", "", "missing/dir/out", "."]))]
    elif kind == "run-set":
        name = rng.choice(names)
        argv = ["run" if rng.random() < 0.7 else "check", write(path, inputs.examples[name])]
        numeric = [k for k, v in inputs.paths[name].items() if re.match(r"-?\d", v)]
        for _ in range(rng.randint(1, 3)):
            pool = numeric if numeric and rng.random() < 0.8 else list(inputs.paths[name]) or ["x"]
            key = rng.choice(pool)
            argv += ["--set", f"{key}={near(inputs.paths[name].get(key), rng)}"]
    elif kind == "template":
        argv = ["template"] + rng.choice([[], ["-o", os.path.join(work, "t.yaml")], ["-o", work], ["--force"]])
    elif kind == "design":
        dname = rng.choice(list(inputs.designs))
        argv = ["design", write(os.path.join(work, "d.design"), mutate(inputs.designs[dname], rng) if rng.random() < 0.8 else inputs.designs[dname])]
        if rng.random() < 0.3:
            argv += ["--operating", rng.choice(["xu-optimum", "1.2 S_min", "0.5 S_min", "S=4.09 W=3.34", "S=-1 W=0", "nan S_min", "x"])]
        if rng.random() < 0.3:
            argv += ["--set", f"{rng.choice(['split', 'feed-flow', 'organic-purity', 'separation-factors', 'extractant', 'nope'])}={value(rng)}"]
        argv += rng.choice([["--no-flowsheet"], ["-o", os.path.join(work, "d.yaml"), "--force"], ["-o", os.path.join(work, "d.yaml"), "--html", os.path.join(work, "d.html")]])
    elif kind == "sweep":
        name = rng.choice(SMALL_EXAMPLES)
        argv = ["sweep", write(path, inputs.examples[name] if rng.random() < 0.7 else mutate(inputs.examples[name], rng))]
        for _ in range(rng.choices([0, 1, 2, 3], weights=[1, 8, 8, 3])[0]):
            argv += ["--vary", sweep_spec(rng, inputs.paths[name])]
        if rng.random() < 0.3:
            argv += ["--shard", rng.choice(["1/2", "2/2", "1/3", "3/3", "3/2", "0/1", "9223372036854775807/9223372036854775807", "a/b",
                                            f"{rng.randint(1, 9)}/{rng.randint(1, 9)}"])]
        argv += rng.choice([[], [], ["--jobs", str(rng.randint(1, 3))], ["--jobs", "0"], ["--cold"]])
        argv += ["--no-progress", "-o", os.path.join(work, "s.csv")] + (["--html", os.path.join(work, "s.html")] if rng.random() < 0.2 else [])
    elif kind == "merge":
        header = "case,k,outcome,reason,iterations,closure,x.Nd.purity\n"
        parts = []
        for p in range(rng.randint(1, 4)):
            rows = "".join(f"{c},{c},converged,ok,3,1e-15,0.5\n" for c in range(1 + 3 * p, 4 + 3 * p))
            text = header + rows
            parts.append(write(os.path.join(work, f"part-{p}.csv"), mutate(text, rng) if rng.random() < 0.7 else text))
        argv = ["sweep", "--merge"] + parts + ["-o", os.path.join(work, "all.csv")]
        if rng.random() < 0.3:
            argv += ["--html", os.path.join(work, "all.html")]
        if rng.random() < 0.3:
            name = rng.choice(SMALL_EXAMPLES)
            argv = ["sweep", write(path, inputs.examples[name]), "--vary", sweep_spec(rng, inputs.paths[name])] + argv[1:] \
                + rng.choice([[], ["--shards", str(rng.randint(-1, 5))]])
    elif kind == "compare":
        a = write(os.path.join(work, "a.yaml"), mutate(original, rng))
        b = write(os.path.join(work, "b.yaml"), original if rng.random() < 0.5 else mutate(original, rng))
        argv = ["compare", a, b] + rng.choice([[], ["--format", "json"], ["--tolerance", rng.choice(["0", "-1", "nan", "1e-3", "x"])]])
    elif kind == "slurm":
        name = rng.choice(SMALL_EXAMPLES)
        argv = ["slurm", "--shards", rng.choice(["1", "4", "4", "16", "1000", "1", "4", "0", "1001", "x"])]
        if rng.random() < 0.15:
            argv += ["--name", rng.choice(["a b", "ok", "", "x'y"])]
        if rng.random() < 0.15:
            argv += ["--sbatch", rng.choice(["--account=x", "nodash", "--a\nb"])]
        if rng.random() < 0.5:
            argv += ["-o", os.path.join(work, rng.choice(["study.sbatch", "a b.sh", ".sh"]))]
        sub = rng.choices(["sweep", "run", "slurm", "nope"], weights=[85, 5, 5, 5])[0]
        argv += ["--", sub, write(path, inputs.examples[name]), "--vary", sweep_spec(rng, inputs.paths[name], malformed=0.05)]
        if rng.random() < 0.1:
            argv += rng.choice([["-o", "x.csv"], ["--shard", "1/2"], ["--html", "h.html"]])
    else:  # garbled command lines
        words = ["run", "check", "sweep", "design", "compare", "template", "slurm", "--set", "--vary", "--merge", "--shard", "-o", "--format",
                 "--force", "-", "--", "--help", "--version", "-h", "=", "--plot", "svg", path, "--generate-completion-script", "bash"]
        write(path, mutate(original, rng))
        argv = [rng.choice(words + [value(rng)]) for _ in range(rng.randint(0, 8))]
    return kind, argv, stdin


class Outcome:
    def __init__(self, index, kind, argv, code, signal_, seconds, rss_kb, out_bytes, timed_out):
        self.index, self.kind, self.argv = index, kind, argv
        self.code, self.signal, self.seconds = code, signal_, seconds
        self.rss_kb, self.out_bytes, self.timed_out = rss_kb, out_bytes, timed_out

    def finding(self, memory_kb):
        if self.timed_out:
            return "hang"
        if self.signal:
            return f"crash (signal {self.signal})"
        if self.code not in DOCUMENTED_EXIT_CODES:
            return f"undocumented exit code {self.code}"
        if self.rss_kb > memory_kb:
            return f"memory {self.rss_kb / 1024:.0f} MB"
        return None


def run_one(sxsim, index, seed, inputs, timeout, keep):
    work = tempfile.mkdtemp(prefix="sxsim-fuzz-")
    try:
        kind, argv, stdin = make_input(index, seed, inputs, work)
        out_path = os.path.join(work, ".stdout")
        err_path = os.path.join(work, ".stderr")
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            start = time.monotonic()
            p = subprocess.Popen([sxsim] + argv, cwd=work, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                                 stdout=out, stderr=err, start_new_session=True)
            if stdin is not None:
                # sxsim may exit (a usage error) before reading: a broken pipe is its answer, not ours.
                try:
                    p.stdin.write(stdin.encode("utf-8", "surrogatepass"))
                    p.stdin.close()
                except BrokenPipeError:
                    try:
                        p.stdin.close()
                    except BrokenPipeError:
                        pass
            timed_out, status, usage = False, None, None
            while True:
                pid, status, usage = os.wait4(p.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() - start > timeout:
                    timed_out = True
                    os.killpg(p.pid, signal.SIGKILL)
                    _, status, usage = os.wait4(p.pid, 0)
                    break
                time.sleep(0.002)
            p.returncode = 0  # reaped here; stops Popen from waiting again
            seconds = time.monotonic() - start
        code = os.waitstatus_to_exitcode(status)
        outcome = Outcome(index, kind, argv, code if code >= 0 else None, -code if code < 0 else None, seconds, usage.ru_maxrss,
                          os.path.getsize(out_path), timed_out)
        if keep and outcome.finding(keep[1]):
            dest = os.path.join(keep[0], f"input-{index}")
            shutil.copytree(work, dest, dirs_exist_ok=True)
        return outcome
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sxsim", default=os.path.join(ROOT, ".build", "release", "sxsim"))
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--seed", default="1")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--timeout", type=float, default=60, help="seconds before a process counts as hung (default 60)")
    ap.add_argument("--memory-mb", type=float, default=1024, help="most resident memory of one process (default 1024)")
    ap.add_argument("--only", type=int, help="run input ONLY alone and print its command")
    ap.add_argument("--keep", default=os.path.join(ROOT, ".build", "fuzz-findings"), help="folder for the inputs of findings")
    args = ap.parse_args()
    sxsim = os.path.abspath(args.sxsim)
    if not os.access(sxsim, os.X_OK):
        sys.exit(f"fuzz: no sxsim at {sxsim}: swift build -c release first, or give --sxsim")
    inputs = Inputs()
    memory_kb = args.memory_mb * 1024
    os.makedirs(args.keep, exist_ok=True)
    indices = [args.only] if args.only is not None else range(1, args.count + 1)
    by_kind = collections.defaultdict(collections.Counter)
    findings, outcomes = [], []
    lock = threading.Lock()
    done = [0]
    started = time.monotonic()

    def task(i):
        o = run_one(sxsim, i, args.seed, inputs, args.timeout, (args.keep, memory_kb))
        with lock:
            outcomes.append(o)
            by_kind[o.kind][o.code if o.code is not None else f"signal {o.signal}"] += 1
            problem = o.finding(memory_kb)
            if problem or args.only is not None:
                print(f"input {o.index} ({o.kind}): {problem or 'ok'}: exit {o.code}, {o.seconds:.2f} s, {o.rss_kb / 1024:.0f} MB\n"
                      f"  sxsim {' '.join(repr(a) if (' ' in a or not a) else a for a in o.argv)}", flush=True)
            if problem:
                findings.append((o, problem))
            done[0] += 1
            if done[0] % 1000 == 0:
                print(f"fuzz: {done[0]} inputs, {len(findings)} findings, {time.monotonic() - started:.0f} s", flush=True)

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        list(pool.map(task, indices))

    wall = time.monotonic() - started
    print(f"\nfuzz: seed {args.seed}, {len(outcomes)} inputs, {wall:.0f} s wall, sxsim {sxsim}")
    print(f"{'command':10} {'inputs':>7}  exit codes")
    for kind in sorted(by_kind):
        counts = by_kind[kind]
        print(f"{kind:10} {sum(counts.values()):7}  " + ", ".join(f"{k}: {n}" for k, n in sorted(counts.items(), key=lambda kv: str(kv[0]))))
    slowest = max(outcomes, key=lambda o: o.seconds)
    largest = max(outcomes, key=lambda o: o.rss_kb)
    print(f"slowest: input {slowest.index} ({slowest.kind}) {slowest.seconds:.2f} s; most memory: input {largest.index} "
          f"({largest.kind}) {largest.rss_kb / 1024:.0f} MB; largest output {max(o.out_bytes for o in outcomes)} bytes")
    crashes = sum(1 for _, p in findings if p.startswith("crash") or p.startswith("undocumented"))
    hangs = sum(1 for _, p in findings if p == "hang")
    memory = sum(1 for _, p in findings if p.startswith("memory"))
    print(f"crashes: {crashes}, hangs over {args.timeout:.0f} s: {hangs}, over {args.memory_mb:.0f} MB: {memory}")
    passed = len(outcomes) - len(findings)
    print(f"fuzz: {passed} passed, {len(findings)} failed")
    sys.exit(1 if findings else 0)


if __name__ == "__main__":
    main()
