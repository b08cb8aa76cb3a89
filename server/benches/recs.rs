//! "For you", measured offline (issue 28): recall@20 and NDCG@20 of the
//! server's ranking against a popularity and a random baseline on held-out
//! interactions, and the time of a neighbours refresh over 1M interactions
//! through the database.
//!
//! The data is a generated community, not a real data set: the registry
//! packages that offer MovieLens-style data (scikit-surprise, implicit,
//! lenskit, recbole, tensorflow-datasets) fetch it from grouplens.org at
//! run time rather than bundling it, and nothing may be downloaded here.
//! The generator plants taste: items belong to one of [`GROUPS`] subjects,
//! each member loves one or two of them (80% of their interactions) and
//! wanders the rest of the time; within a subject item popularity follows
//! a Zipf law (a few hits, a long tail), and members' activity is skewed
//! too (a few heavy members, many light ones). Kinds: 60% views, 25% likes,
//! 10% scraps, 5% comments, spread over 90 days.
//!
//! Held out: each member's last [`HELD_OUT`] interactions (by time), if
//! they have at least ten. The models learn from the rest:
//! - for you: the server's code — `discovery::model::Model` neighbours,
//!   `for_you::score_neighbours` and `for_you::blend` with the popularity
//!   list, the member's own interactions left out;
//! - popular: items by decayed interaction weight, minus the member's;
//! - random: unseen items in random order.
//!
//! Run: `./scripts/bench-recs` (`MOA_BENCH_INTERACTIONS` sets the size,
//! default 1,000,000).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a bench binary

#[path = "common/fill.rs"]
mod fill;
use fill::{exec, series};

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use moa_server::Db;
use moa_server::discovery::for_you::{blend, history_items, score_neighbours};
use moa_server::discovery::model::Model;
use moa_server::discovery::neighbours::refresh_db;

const GROUPS: usize = 40;
const HELD_OUT: usize = 2;
const K: usize = 20;
/// Members evaluated (a sample: scoring every member adds nothing).
const EVALUATED: usize = 3000;
const DAY: i64 = 86_400_000;

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// A Zipf-distributed index below `n` (exponent about 1).
    fn zipf(&mut self, n: usize) -> usize {
        let x = ((n as f64 + 1.0).ln() * self.unit()).exp() - 1.0;
        (x as usize).min(n - 1)
    }
}

/// (member, item, at, kind weight)
type Row = (usize, usize, i64, u8);

struct Community {
    members: usize,
    items: usize,
    rows: Vec<Row>,
}

fn generate(interactions: usize, now: i64) -> Community {
    let members = interactions / 50;
    let items = interactions / 20;
    let per_group = items / GROUPS;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    // Activity: Pareto-like weights summing to `interactions`.
    let activity: Vec<f64> = (0..members)
        .map(|_| 1.0 / (1.0 - rng.unit() * 0.98).powf(0.8))
        .collect();
    let total: f64 = activity.iter().sum();
    let mut rows = Vec::with_capacity(interactions);
    for (m, a) in activity.iter().enumerate() {
        let n = ((a / total) * interactions as f64).round().max(1.0) as usize;
        let loves = [rng.below(GROUPS), rng.below(GROUPS)];
        let two = rng.unit() < 0.5;
        for _ in 0..n {
            let group = if rng.unit() < 0.8 {
                if two && rng.unit() < 0.5 {
                    loves[1]
                } else {
                    loves[0]
                }
            } else {
                rng.below(GROUPS)
            };
            let item = group * per_group + rng.zipf(per_group);
            let r = rng.unit();
            let kind = if r < 0.6 {
                1
            } else if r < 0.85 {
                3
            } else if r < 0.95 {
                4
            } else {
                2
            };
            let at = now - 90 * DAY + (rng.unit() * 90.0 * DAY as f64) as i64;
            rows.push((m, item, at, kind));
        }
    }
    Community {
        members,
        items: per_group * GROUPS,
        rows,
    }
}

fn uid(i: usize) -> String {
    format!("{:08x}-0001-7000-8000-{:012x}", i + 1, i + 1)
}

fn rid(i: usize) -> String {
    format!("{:08x}-0002-7000-8000-{:012x}", i + 1, i + 1)
}

/// Splits each member's interactions: the last `HELD_OUT` (by time, as
/// distinct items) are the test, the rest the training.
fn split(c: &Community) -> (Vec<Row>, HashMap<usize, Vec<usize>>) {
    let mut by_member: Vec<Vec<(usize, i64, u8)>> = vec![Vec::new(); c.members];
    for &(m, i, at, k) in &c.rows {
        by_member[m].push((i, at, k));
    }
    let mut train: Vec<Row> = Vec::with_capacity(c.rows.len());
    let mut test = HashMap::new();
    for (m, mut xs) in by_member.into_iter().enumerate() {
        xs.sort_by_key(|x| x.1);
        let distinct: HashSet<usize> = xs.iter().map(|x| x.0).collect();
        if distinct.len() >= 10 {
            let mut held = Vec::new();
            while held.len() < HELD_OUT {
                let Some((i, _, _)) = xs.pop() else { break };
                if !held.contains(&i) {
                    held.push(i);
                }
            }
            // Interactions with a held-out item elsewhere in time go too.
            xs.retain(|x| !held.contains(&x.0));
            test.insert(m, held);
        }
        train.extend(xs.into_iter().map(|(i, at, k)| (m, i, at, k)));
    }
    (train, test)
}

fn ndcg(ranked: &[String], relevant: &HashSet<String>) -> f64 {
    let dcg: f64 = ranked
        .iter()
        .take(K)
        .enumerate()
        .filter(|(_, id)| relevant.contains(*id))
        .map(|(p, _)| 1.0 / (p as f64 + 2.0).log2())
        .sum();
    let ideal: f64 = (0..relevant.len().min(K))
        .map(|p| 1.0 / (p as f64 + 2.0).log2())
        .sum();
    if ideal == 0.0 { 0.0 } else { dcg / ideal }
}

fn recall(ranked: &[String], relevant: &HashSet<String>) -> f64 {
    let hits = ranked
        .iter()
        .take(K)
        .filter(|id| relevant.contains(*id))
        .count();
    hits as f64 / relevant.len().max(1) as f64
}

/// Fills a migrated database with the community's members, reviews and
/// training interactions (views and likes tables; scraps and comments as
/// likes, which weigh close).
async fn fill_db(db: &Db, c: &Community, train: &[Row], now: i64) {
    let b = db.backend();
    let base = now - 100 * DAY;
    let hex = |e: &str, tag: &str| format!("printf('%08x-{tag}-7000-8000-%012x', {e}, {e})");
    exec(db, &format!(
        "{}INSERT INTO users (id, email, handle, display_name, password_hash, role, created_at, updated_at) \
         SELECT {}, 'u' || i || '@bench.kr', 'u' || i, '회원 ' || i, NULL, 'member', {base}, {base} FROM s",
        series(b, c.members), hex("i", "0001")
    )).await;
    exec(
        db,
        &format!(
            "{}INSERT INTO reviews (id, author_id, kind, title, body, photos, tags, created_at) \
         SELECT {}, {}, 'snap', '', '리뷰 ' || i, '[]', '[]', {base} + i FROM s",
            series(b, c.items),
            hex("i", "0002"),
            hex(&format!("(i % {}) + 1", c.members), "0001")
        ),
    )
    .await;
    let mut views: Vec<String> = Vec::new();
    let mut likes: Vec<String> = Vec::new();
    for &(m, i, at, k) in train {
        if k == 1 {
            views.push(format!("('{}', '{}', {})", rid(i), uid(m), at / DAY));
        } else {
            likes.push(format!("('{}', 'review', '{}', {at})", uid(m), rid(i)));
        }
    }
    for chunk in views.chunks(2000) {
        exec(
            db,
            &format!(
                "INSERT INTO review_views (review_id, user_id, day) VALUES {} ON CONFLICT DO NOTHING",
                chunk.join(",")
            ),
        )
        .await;
    }
    for chunk in likes.chunks(2000) {
        exec(
            db,
            &format!(
                "INSERT INTO likes (user_id, target_type, target_id, created_at) VALUES {} \
                 ON CONFLICT DO NOTHING",
                chunk.join(",")
            ),
        )
        .await;
    }
}

#[tokio::main]
async fn main() {
    let interactions: usize = std::env::var("MOA_BENCH_INTERACTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let now = moa_server::util::now_ms();
    let t = Instant::now();
    let c = generate(interactions, now);
    let (train, test) = split(&c);
    println!(
        "community: {} members, {} items, {} interactions ({} training), {} members with held-out items; generated in {:.1} s",
        c.members,
        c.items,
        c.rows.len(),
        train.len(),
        test.len(),
        t.elapsed().as_secs_f64()
    );

    // The neighbours refresh through the database (SQLite).
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(None, dir.path()).await.unwrap();
    db.migrate().await.unwrap();
    let t = Instant::now();
    fill_db(&db, &c, &train, now).await;
    println!("filled SQLite in {:.1} s", t.elapsed().as_secs_f64());
    let mut built = None;
    let t = Instant::now();
    let full = refresh_db(&db, &mut built, now).await.unwrap();
    let full_s = t.elapsed().as_secs_f64();
    println!(
        "full refresh (SQLite): {:.1} s for {} interactions read — read {:.1} s, compute {:.1} s, write {:.1} s, {} lists",
        full_s,
        full.read,
        full.read_ms / 1000.0,
        full.compute_ms / 1000.0,
        full.write_ms / 1000.0,
        full.written
    );
    // An incremental run after a few new interactions.
    exec(
        &db,
        &format!(
            "INSERT INTO likes (user_id, target_type, target_id, created_at) VALUES ('{}', 'review', '{}', {})",
            uid(0),
            rid(1),
            now + 1
        ),
    )
    .await;
    let t = Instant::now();
    let inc = refresh_db(&db, &mut built, now + 60_000).await.unwrap();
    println!(
        "incremental refresh after one new like: {:.0} ms ({} interactions read, {} lists written)",
        t.elapsed().as_secs_f64() * 1000.0,
        inc.read,
        inc.written
    );
    let model = built.map(|b| b.model).unwrap();

    // Offline evaluation.
    let mut history: HashMap<usize, HashMap<String, f64>> = HashMap::new();
    let mut popularity: HashMap<String, f64> = HashMap::new();
    for &(m, i, at, k) in &train {
        // As stored: views weigh 1, the rest went in as likes (3).
        let w = Model::decayed(if k == 1 { 1.0 } else { 3.0 }, at, now);
        let e = history.entry(m).or_default().entry(rid(i)).or_insert(0.0);
        *e = e.max(w);
        *popularity.entry(rid(i)).or_insert(0.0) += w;
    }
    let mut popular: Vec<(String, f64)> = popularity.into_iter().collect();
    popular.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let popular: Vec<String> = popular.into_iter().map(|(id, _)| id).collect();
    let mut rng = Rng(42);
    let mut evaluated: Vec<usize> = test.keys().copied().collect();
    evaluated.sort_unstable();
    let step = (evaluated.len() / EVALUATED).max(1);
    let mut sums = [[0.0f64; 2]; 3];
    let mut n = 0usize;
    let t = Instant::now();
    for &m in evaluated.iter().step_by(step) {
        let relevant: HashSet<String> = test[&m].iter().map(|&i| rid(i)).collect();
        let mine = history.get(&m).cloned().unwrap_or_default();
        let mut hist: Vec<(String, f64)> =
            mine.iter().map(|(i, w)| (format!("r:{i}"), *w)).collect();
        hist.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let lists: Vec<(String, Vec<(String, f32)>)> = history_items(&hist)
            .into_iter()
            .map(|item| {
                let l = model
                    .neighbours(&item)
                    .into_iter()
                    .map(|(n, s)| (n.to_owned(), s))
                    .collect();
                (item, l)
            })
            .collect();
        let cf = score_neighbours(&hist, &lists);
        let unseen = |id: &String| !mine.contains_key(id);
        let pool: Vec<String> = popular
            .iter()
            .filter(|id| unseen(id))
            .take(100)
            .cloned()
            .collect();
        let for_you: Vec<String> = blend(&cf, &pool, hist.len())
            .into_iter()
            .map(|(id, _)| id)
            .filter(|id| unseen(id))
            .take(K)
            .collect();
        let pop: Vec<String> = pool.iter().take(K).cloned().collect();
        let mut random = Vec::with_capacity(K);
        while random.len() < K {
            let id = rid(rng.below(c.items));
            if unseen(&id) && !random.contains(&id) {
                random.push(id);
            }
        }
        for (k, ranked) in [&for_you, &pop, &random].into_iter().enumerate() {
            sums[k][0] += recall(ranked, &relevant);
            sums[k][1] += ndcg(ranked, &relevant);
        }
        n += 1;
    }
    let eval_ms = t.elapsed().as_secs_f64() * 1000.0 / n.max(1) as f64;
    let avg = |k: usize, j: usize| sums[k][j] / n.max(1) as f64;
    println!("evaluated {n} members ({eval_ms:.2} ms each for the three rankings)");
    println!("{:<10} {:>10} {:>10}", "ranking", "recall@20", "NDCG@20");
    for (k, name) in ["for you", "popular", "random"].iter().enumerate() {
        println!("{name:<10} {:>10.4} {:>10.4}", avg(k, 0), avg(k, 1));
    }
    let ratio = avg(0, 0) / avg(1, 0).max(1e-9);
    println!(
        "for you vs popular: recall@20 {ratio:.2}x (target >= 2x), NDCG@20 {:.2}x; full refresh {full_s:.1} s (target < 60 s)",
        avg(0, 1) / avg(1, 1).max(1e-9)
    );
}
