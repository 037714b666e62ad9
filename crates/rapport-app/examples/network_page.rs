//! What the network page computes for one person — the overview is left out — for
//! measuring the neighbourhood and the warm path on a database built by `network_db`:
//!
//! ```text
//! cargo run --release -p rapport-app --example network_page -- DB PERSON [--whole]
//! ```
//!
//! Prints the person's neighbourhood (12 strongest ties) and warm path as JSON. With
//! `--whole` the neighbourhood comes from the whole graph instead, the way it was
//! computed before it read only the person's ties, to compare answers and time.

#![allow(clippy::print_stdout)]

use rapport_app::{Actor, App, Clock, Ctx, FixedClock, SystemClock};
use rapport_store::Store;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(db), Some(person)) = (args.get(1), args.get(2)) else {
        return Err("usage: network_page DB PERSON [--whole]".into());
    };
    let whole = args.get(3).is_some_and(|a| a == "--whole");
    // Like the CLI, `RAPPORT_NOW` fixes the clock.
    let clock: Box<dyn Clock> = match std::env::var("RAPPORT_NOW") {
        Ok(now) => Box::new(FixedClock(now.parse()?)),
        Err(_) => Box::new(SystemClock),
    };
    let app = App::new(Store::open(db)?, clock);
    let ctx = Ctx {
        ws: app.workspace("default")?.meta.id,
        actor: Actor::local(),
    };
    let p = app.resolve_person(&ctx, person)?;
    let around = if whole {
        app.network_graph(&ctx)?.neighbourhood(&p.meta.id, 12)
    } else {
        app.neighbourhood(&ctx, &p, 12)?
    };
    let path = app.intro(&ctx, &p)?;
    println!("{}", serde_json::to_string_pretty(&(around, path))?);
    Ok(())
}
