//! vCard parsing per card, for the three versions address books export:
//! `cargo bench -p rapport-formats --bench vcard`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rapport_formats::vcard;

const CARDS: usize = 1_000;

/// `CARDS` cards of one version, each with the properties a phone's export usually has.
fn cards(version: &str) -> String {
    let mut out = String::new();
    for n in 0..CARDS {
        out.push_str(&format!(
            "BEGIN:VCARD\r\nVERSION:{version}\r\nN:Lovelace{n};Ada;;;\r\nFN:Ada Lovelace{n}\r\n\
             ORG:Analytical Engines {m}\r\nTITLE:Analyst\r\n\
             EMAIL;TYPE=work:ada{n}@example.com\r\nEMAIL;TYPE=home:ada{n}@home.example\r\n\
             TEL;TYPE=cell:+44 20 7946 {p:04}\r\nADR;TYPE=home:;;12 Main St;London;;SW1Y 4JH;UK\r\n\
             BDAY:1815-12-{d:02}\r\nNOTE:Met at the salon\\, {n}.\\nLikes tea and a long\r\n  \
             folded line.\r\nCATEGORIES:friends,engines\r\nEND:VCARD\r\n",
            m = n % 97,
            p = n % 10_000,
            d = n % 28 + 1,
        ));
    }
    out
}

fn bench_vcard(c: &mut Criterion) {
    let mut g = c.benchmark_group("vcard-parse-1k-cards");
    g.throughput(Throughput::Elements(CARDS as u64));
    for version in ["2.1", "3.0", "4.0"] {
        let text = cards(version);
        g.bench_function(version, |b| {
            b.iter(|| {
                vcard::read(black_box(text.as_bytes()), vcard::ReadOptions::default())
                    .filter(Result::is_ok)
                    .count()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench_vcard);
criterion_main!(benches);
