use accessc::catalog::*;
use std::time::Instant;
#[test]
fn probe() {
    for _ in 0..3 {
        let t = Instant::now();
        let c = Catalog::embedded();
        let h = t.elapsed();
        let t = Instant::now();
        let s = c.service("s3").unwrap();
        let f = t.elapsed();
        let t = Instant::now();
        let n = 100000;
        let mut k = 0;
        for _ in 0..n {
            k += c
                .service("s3")
                .unwrap()
                .action("putobject")
                .map(|a| a.name().len())
                .unwrap_or(0);
        }
        let l = t.elapsed() / n;
        let t = Instant::now();
        let mut k2 = 0;
        for _ in 0..n {
            k2 += s.action("GetObject").map(|a| a.name().len()).unwrap_or(0);
        }
        let l2 = t.elapsed() / n;
        let t = Instant::now();
        for _ in 0..1000 {
            k += catalog().match_arn("arn:aws:s3:::receipts/*").len();
        }
        let m = t.elapsed() / 1000;
        println!("header {h:?} first {f:?} lookup {l:?} action-only {l2:?} match {m:?} {k} {k2}");
    }
}
