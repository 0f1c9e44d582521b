//! An unmodified Debian bookworm userland (coreutils, bash, grep, sed,
//! gawk, findutils, gzip, xz-utils, python3.11 and their libraries,
//! dynamically linked) under `xlat-aarch64 -L build/sysroot/arm64` and under
//! `xlat-ppc64le -L build/sysroot/ppc64el`, each compared with the amd64
//! build of the same package versions run natively. `tools/make-sysroot`
//! builds the three sysroots (tools/setup runs it).
//!
//! Every check is a bash script run both ways in a scratch directory of
//! its own (`$D`), with `LC_ALL=C TZ=UTC` and `PATH` pointing at the
//! userland's `/usr/bin:/bin` (under xlat, guest absolute paths are looked
//! up under the `-L` prefix first, so commands the guest bash runs are the
//! arm64 ones, re-executed under xlat).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use xlat_tests::{
    Outcome, Status, first_difference, run, workspace_root, xlat_aarch64, xlat_ppc64le,
};

/// `build/sysroot/<arch>`, or a panic that names the script to run.
fn sysroot(arch: &str) -> PathBuf {
    let p = workspace_root().join("build/sysroot").join(arch);
    assert!(
        p.join(".complete").is_file(),
        "the Debian userland sysroot {} is missing: run tools/make-sysroot (tools/setup does)",
        p.display()
    );
    p
}

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("xlat-userland-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("create scratch dir");
    d
}

/// Runs `script` with the native amd64 bash of the sysroot (its libraries
/// through LD_LIBRARY_PATH) in `dir`.
fn native(script: &str, dir: &Path) -> Outcome {
    let root = sysroot("amd64");
    let r = root.to_str().expect("UTF-8 path");
    let env = BTreeMap::from([
        ("LC_ALL".to_owned(), "C".to_owned()),
        ("TZ".to_owned(), "UTC".to_owned()),
        ("D".to_owned(), dir.to_str().expect("UTF-8 path").to_owned()),
        ("PATH".to_owned(), format!("{r}/usr/bin:{r}/bin")),
        (
            "LD_LIBRARY_PATH".to_owned(),
            format!("{r}/lib/x86_64-linux-gnu:{r}/usr/lib/x86_64-linux-gnu"),
        ),
    ]);
    let bash = root.join("bin/bash");
    run(&bash, &["-c", &format!("cd \"$D\" && {script}")], &env)
}

/// The guest userlands: Debian architecture and the xlat binary that runs it.
fn guests() -> [(&'static str, &'static Path); 2] {
    [("arm64", xlat_aarch64()), ("ppc64el", xlat_ppc64le())]
}

/// Runs `script` with the bash of Debian architecture `arch` under `xlat`
/// in `dir`.
fn guest(arch: &str, xlat: &Path, script: &str, dir: &Path) -> Outcome {
    let root = sysroot(arch);
    let env = BTreeMap::from([
        ("LC_ALL".to_owned(), "C".to_owned()),
        ("TZ".to_owned(), "UTC".to_owned()),
        ("D".to_owned(), dir.to_str().expect("UTF-8 path").to_owned()),
        ("PATH".to_owned(), "/usr/bin:/bin".to_owned()),
    ]);
    let bash = root.join("bin/bash");
    let script = format!("cd \"$D\" && {script}");
    let o = run(
        xlat,
        &[
            "-L",
            root.to_str().expect("UTF-8 path"),
            bash.to_str().expect("UTF-8 path"),
            "-c",
            &script,
        ],
        &env,
    );
    o.assert_no_panic();
    o
}

/// Runs `setup` natively in a fresh scratch directory for each side, then
/// `script` natively and under xlat for each guest userland; stdout and
/// status must agree and the native run must succeed and print something.
fn same(name: &str, setup: &str, script: &str) -> String {
    let dn = scratch(&format!("{name}-n"));
    if !setup.is_empty() {
        let s = native(setup, &dn);
        assert_eq!(s.status, Status::Exit(0), "setup failed: {}", s.stderr);
    }
    let n = native(script, &dn);
    let _ = std::fs::remove_dir_all(&dn);
    assert_eq!(n.status, Status::Exit(0), "native run failed: {}", n.stderr);
    assert!(!n.stdout.is_empty(), "native run printed nothing");
    // The scratch directories differ in name only.
    let ns = n.stdout_str().replace(&format!("{name}-n"), "SCRATCH");
    for (arch, xlat) in guests() {
        let tag = format!("{name}-g-{arch}");
        let dg = scratch(&tag);
        if !setup.is_empty() {
            let s = native(setup, &dg);
            assert_eq!(s.status, Status::Exit(0), "setup failed: {}", s.stderr);
        }
        let g = guest(arch, xlat, script, &dg);
        let _ = std::fs::remove_dir_all(&dg);
        let gs = g.stdout_str().replace(&tag, "SCRATCH");
        assert!(
            ns == gs,
            "{name} ({arch}): output differs from native: {}\n--- xlat stderr ---\n{}",
            first_difference(&ns, &gs),
            g.stderr
        );
        assert_eq!(g.status, n.status, "{name} ({arch}): {}", g.stderr);
    }
    ns
}

/// A fixture tree with fixed modification times (the scratch directory
/// holding it has the time of the run, so listings leave out `..`).
const FIXTURE: &str = "mkdir -p fx/sub/deep && printf 'hello\\n' > fx/a.txt && \
    printf 'zeta\\nalpha\\nmu\\nalpha\\n' > fx/words && seq 1 500 > fx/sub/nums && \
    printf 'x\\n' > fx/sub/deep/x.log && ln -s a.txt fx/link && chmod 640 fx/words && \
    for f in fx/sub/deep/x.log fx/sub/deep fx/sub/nums fx/sub fx/a.txt fx/words fx; do \
        touch -d '2021-03-04 05:06:07' \"$f\"; done && touch -h -d '2021-03-04 05:06:07' fx/link";

#[test]
fn coreutils() {
    let out = same(
        "coreutils",
        FIXTURE,
        "ls -lA --time-style=long-iso fx | sed 1d; ls -R fx; sort fx/words; sort -u -r fx/words; \
         sort -n -r fx/sub/nums | head -3; sha256sum fx/a.txt fx/words fx/sub/nums; \
         date -d '2020-02-29 12:00 UTC' +%s; date -u -d @1700000000 '+%F %T %A'; \
         stat -c '%s %a %F' fx/a.txt fx/sub fx/link; stat -L -c '%s %a %F' fx/link; \
         wc -l fx/sub/nums; cut -c1-3 fx/words | tr a-z A-Z | uniq -c; \
         seq 10 | paste -sd+; expr 7 \\* 6; basename /a/b/c.txt .txt; \
         cp -a fx fx2 && diff -r fx fx2 >/dev/null && echo copied; \
         mv fx2/a.txt fx2/b.txt && ls fx2; rm -r fx2; \
         md5sum fx/words; od -An -tx1 fx/a.txt; printf '%05.1f|%x\\n' 3.14159 255",
    );
    assert!(out.contains("1582977600"), "{out}");
}

#[test]
fn bash_scripts() {
    same(
        "bash",
        "",
        r#"
f() { local x=$1; echo "f($x) = $((x * x))"; return 3; }
f 7; echo "status $?"
echo "$(echo nested $(echo deeper))"
( cd /; pwd; exit 4 ); echo "subshell exit $?"
printf '%s\n' c a b | sort | tr '\n' ' '; echo
cat <<END
here-doc $((1 + 2))
  kept indentation
END
cat <<'END'
literal $HOME
END
trap 'echo got USR1' USR1
kill -USR1 $$
sleep 1 & wait $!; echo "background done $?"
sleep 0.1 & sleep 0.2 & wait; echo "waited for all"
arr=(one two three); echo "${#arr[@]} ${arr[1]} ${arr[@]:1}"
declare -A m=([k]=v); echo "${m[k]}"
for i in {1..3}; do case $i in 2) echo two;; *) echo "n$i";; esac; done
x=abcdef; echo "${x:2:3} ${x^^} ${x/cd/CD}"
read -r a b <<< "left right"; echo "$b $a"
set -o pipefail; false | true; echo "pipefail $?"
(trap 'echo exit trap ran' EXIT; echo in subshell)
bash -c 'exit 6'; echo "child bash $?"
echo done
"#,
    );
}

#[test]
fn grep_sed_awk() {
    same(
        "text",
        FIXTURE,
        r#"
grep -E '^(al|mu)' fx/words; grep -c alpha fx/words; grep -r -n hello fx | sort
grep -v -i ALPHA fx/words; grep -E -o '[0-9]{3}' fx/sub/nums | tail -2
sed -e 's/alpha/ALPHA/2' -e '/mu/d' fx/words
sed -n '/^1[0-9]$/{s/^/n:/;p}' fx/sub/nums
printf 'a=1\nb=2\n' | sed -E 's/([a-z])=([0-9])/\2<-\1/'
sed '1!G;h;$!d' fx/words
gawk '{ s += $1 } END { printf "%d %.4f %.4f %.4f\n", s, sqrt(s), log(s), atan2(1, 1) * 4 }' fx/sub/nums
gawk 'BEGIN { printf "%.6f %.6f %.6f %d\n", sin(0.5), cos(0.5), exp(1.5), int(-3.7); srand(1); x = rand(); print (x >= 0 && x < 1) }'
gawk -F: '{ n[$1]++ } END { PROCINFO["sorted_in"] = "@ind_str_asc"; for (k in n) print k, n[k] }' fx/words
echo "The Quick Brown" | gawk '{ print toupper($2), length($0), substr($3, 2, 3); gsub(/o/, "0"); print }'
"#,
    );
}

#[test]
fn find_and_compression() {
    same(
        "findz",
        FIXTURE,
        r#"
find fx -name '*.txt' | sort
find fx -type d | sort
find fx -type f -name '*.log' -exec cat {} \;
find fx -type f -exec wc -c {} + | sort
find fx -newer fx/a.txt | wc -l
seq 1 20000 > big
gzip -n -9 -c big > big.gz; sha256sum big.gz; gunzip -c big.gz | cmp - big && echo gzip round trip
gzip -t big.gz && echo gzip test ok
xz -c -6 big > big.xz; sha256sum big.xz; unxz -c big.xz | cmp - big && echo xz round trip
xz -l big.xz | tail -1 | tr -s ' ' | cut -d' ' -f2-4
"#,
    );
}

#[test]
fn python3() {
    let out = same(
        "python",
        "",
        r#"
PYTHONHASHSEED=0 python3.11 - <<'END'
import sys, os, re
def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
class Shape:
    def __init__(self, n): self.n = n
    def __repr__(self): return f"Shape({self.n})"
words = "the quick brown fox jumps over the lazy dog the end".split()
counts = {}
for w in words:
    counts[w] = counts.get(w, 0) + 1
print(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3])
print(fib(200), 2**200 % 1000007, divmod(-17, 5))
print([x * x for x in range(10) if x % 3], sum(i for i in range(100000)))
print("%.6f %.3e %r" % (3.14159265358979, 1e-300 * 1e-10, 0.1 + 0.2), round(2.675, 2))
print(re.sub(r"(\w+)@(\w+)", r"\2 at \1", "mail alice@example now"), "Grüße".upper())
try:
    {}["missing"]
except KeyError as e:
    print("KeyError", e)
print(list(Shape(i) for i in range(3)), sys.byteorder, sys.maxsize, os.sep)
print(sorted(set("mississippi")), int("ff", 16), bin(255), hex(-255))
sys.exit(3)
END
echo "python exit $?"
"#,
    );
    assert!(out.contains("python exit 3"), "{out}");
    assert!(
        out.contains("280571172992510140037611932413038677189525"),
        "{out}"
    );
}
