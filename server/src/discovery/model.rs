//! Item-to-item collaborative filtering, in memory: who engaged with what,
//! and for each item the items most often engaged with by the same members.
//!
//! An item is a string (`r:<review id>`, `s:<place or product id>`); an
//! interaction is a member, an item, a time and a base weight (a view 1,
//! a comment 2, a like 3, a scrap 4, an order 5). Older interactions count
//! less: a weight halves every [`HALF_LIFE_DAYS`]. The decay is applied as
//! growth relative to a fixed reference time (`base · 2^((at − t_ref)/h)`)
//! rather than as shrinkage relative to "now": cosine similarity does not
//! change when every weight is multiplied by the same factor, so weights
//! never need recomputing as time passes, and a refresh only has to look
//! at what is new — the same trick as the popular rank (`reviews::rank`).
//!
//! Similarity is the cosine of two items' member vectors, shrunk by the
//! number of members behind it (`co / (co + SHRINK)`) so two items seen
//! together by one member do not look like twins. Each member contributes
//! their [`MAX_PER_MEMBER`] heaviest items at most (a crawler that opened
//! every review would otherwise cost the square of everything).
//!
//! Incremental: [`Model::add`] answers the items whose lists may have
//! changed, [`Model::refresh`] recomputes those and writes each new
//! similarity into the other item's list too (similarity is symmetric), and
//! answers every list that changed. Between two refreshes nothing is
//! recomputed for items nobody touched. Removed interactions (an unlike)
//! are not seen by an incremental refresh; a full rebuild (at start and
//! daily, see `neighbours.rs`) takes them out.

use std::collections::{HashMap, HashSet};

/// Days after which an interaction weighs half as much.
pub const HALF_LIFE_DAYS: f64 = 30.0;
/// Neighbours kept per item.
pub const NEIGHBOURS: usize = 30;
/// Shrinkage of similarities with few members behind them.
pub const SHRINK: f64 = 3.0;
/// The most items one member contributes to similarities.
pub const MAX_PER_MEMBER: usize = 300;

const DAY_MS: f64 = 86_400_000.0;

/// One member's engagement with one item.
#[derive(Debug, Clone, PartialEq)]
pub struct Interaction {
    pub user: String,
    pub item: String,
    /// UTC milliseconds.
    pub at: i64,
    /// The kind's weight (view 1 … order 5).
    pub weight: f64,
}

/// A neighbour list: (item index, similarity), best first.
pub type List = Vec<(u32, f32)>;

/// The interactions and the current neighbour lists.
#[derive(Debug)]
pub struct Model {
    t_ref: i64,
    items: Vec<String>,
    item_index: HashMap<String, u32>,
    users: HashMap<String, u32>,
    /// Per member: item → decayed weight (the largest seen).
    by_user: Vec<HashMap<u32, f64>>,
    /// Per item: the members who engaged with it.
    by_item: Vec<Vec<u32>>,
    /// Per item: its current neighbours.
    lists: Vec<List>,
}

impl Model {
    /// An empty model whose weights are relative to `t_ref` (ms).
    pub fn new(t_ref: i64) -> Self {
        Self {
            t_ref,
            items: Vec::new(),
            item_index: HashMap::new(),
            users: HashMap::new(),
            by_user: Vec::new(),
            by_item: Vec::new(),
            lists: Vec::new(),
        }
    }

    /// The weight of an interaction of `base` at `at`, relative to now
    /// (what a member's history is scored with).
    pub fn decayed(base: f64, at: i64, now: i64) -> f64 {
        base * ((at - now) as f64 / DAY_MS / HALF_LIFE_DAYS).exp2()
    }

    pub fn item_count(&self) -> usize {
        self.items.len()
    }

    pub fn interaction_count(&self) -> usize {
        self.by_user.iter().map(HashMap::len).sum()
    }

    /// The item's name.
    pub fn item(&self, index: u32) -> &str {
        &self.items[index as usize]
    }

    fn item_id(&mut self, item: &str) -> u32 {
        if let Some(&i) = self.item_index.get(item) {
            return i;
        }
        let i = u32::try_from(self.items.len()).unwrap_or(u32::MAX);
        self.items.push(item.to_owned());
        self.item_index.insert(item.to_owned(), i);
        self.by_item.push(Vec::new());
        self.lists.push(Vec::new());
        i
    }

    /// Takes in `interactions` (seeing one again changes nothing) and
    /// answers the items whose neighbours may have changed.
    pub fn add(&mut self, interactions: &[Interaction]) -> HashSet<u32> {
        let mut touched = HashSet::new();
        for x in interactions {
            let w = Self::decayed(x.weight, x.at, self.t_ref);
            if !(w.is_finite() && w > 0.0) {
                continue;
            }
            let item = self.item_id(&x.item);
            let next = u32::try_from(self.by_user.len()).unwrap_or(u32::MAX);
            let user = *self.users.entry(x.user.clone()).or_insert(next);
            if user == next {
                self.by_user.push(HashMap::new());
            }
            let weights = &mut self.by_user[user as usize];
            match weights.get(&item) {
                Some(&old) if old >= w => continue,
                Some(_) => {}
                None => self.by_item[item as usize].push(user),
            }
            weights.insert(item, w);
            touched.insert(item);
        }
        touched
    }

    /// Each member's heaviest items (at most [`MAX_PER_MEMBER`]), and each
    /// item's norm over those.
    fn capped(&self) -> (Vec<Vec<(u32, f64)>>, Vec<f64>) {
        let mut norms = vec![0.0f64; self.items.len()];
        let capped = self
            .by_user
            .iter()
            .map(|weights| {
                let mut v: Vec<(u32, f64)> = weights.iter().map(|(&i, &w)| (i, w)).collect();
                if v.len() > MAX_PER_MEMBER {
                    v.select_nth_unstable_by(MAX_PER_MEMBER, |a, b| b.1.total_cmp(&a.1));
                    v.truncate(MAX_PER_MEMBER);
                }
                for &(i, w) in &v {
                    norms[i as usize] += w * w;
                }
                v
            })
            .collect();
        for n in &mut norms {
            *n = n.sqrt();
        }
        (capped, norms)
    }

    /// Recomputes the lists of `items` (and mirrors each similarity into
    /// the other item's list); answers every item whose list changed.
    pub fn refresh(&mut self, items: &HashSet<u32>) -> Vec<u32> {
        if items.is_empty() {
            return Vec::new();
        }
        let (capped, norms) = self.capped();
        let in_capped: Vec<HashSet<u32>> = if capped.iter().any(|v| v.len() == MAX_PER_MEMBER) {
            capped
                .iter()
                .map(|v| v.iter().map(|&(i, _)| i).collect())
                .collect()
        } else {
            Vec::new()
        };
        let n = self.items.len();
        let mut acc = vec![0.0f64; n];
        let mut co = vec![0u32; n];
        let mut seen: Vec<u32> = Vec::new();
        let mut computed: Vec<(u32, List)> = Vec::with_capacity(items.len());
        let mut order: Vec<u32> = items.iter().copied().collect();
        order.sort_unstable();
        for &i in &order {
            for &u in &self.by_item[i as usize] {
                let mine = &capped[u as usize];
                if !in_capped.is_empty() && !in_capped[u as usize].contains(&i) {
                    continue;
                }
                let Some(&wi) = self.by_user[u as usize].get(&i) else {
                    continue;
                };
                for &(j, wj) in mine {
                    if j == i {
                        continue;
                    }
                    if co[j as usize] == 0 {
                        seen.push(j);
                    }
                    acc[j as usize] += wi * wj;
                    co[j as usize] += 1;
                }
            }
            let mut list: List = Vec::with_capacity(seen.len());
            for &j in &seen {
                let (ju, c) = (j as usize, f64::from(co[j as usize]));
                let denom = norms[i as usize] * norms[ju];
                if denom > 0.0 {
                    let sim = acc[ju] / denom * (c / (c + SHRINK));
                    list.push((j, sim as f32));
                }
                acc[ju] = 0.0;
                co[ju] = 0;
            }
            seen.clear();
            top(&mut list);
            computed.push((i, list));
        }
        let mut changed: HashSet<u32> = HashSet::new();
        for (i, list) in computed {
            for &(j, sim) in &list {
                if !items.contains(&j) && mirror(&mut self.lists[j as usize], i, sim) {
                    changed.insert(j);
                }
            }
            // Items that left i's list: their entry for i is gone too.
            let old = std::mem::take(&mut self.lists[i as usize]);
            for &(j, _) in &old {
                if !items.contains(&j) && !list.iter().any(|&(k, _)| k == j) {
                    let theirs = &mut self.lists[j as usize];
                    let before = theirs.len();
                    theirs.retain(|&(k, _)| k != i);
                    if theirs.len() != before {
                        changed.insert(j);
                    }
                }
            }
            self.lists[i as usize] = list;
            changed.insert(i);
        }
        let mut out: Vec<u32> = changed.into_iter().collect();
        out.sort_unstable();
        out
    }

    /// Recomputes every list.
    pub fn rebuild(&mut self) -> Vec<u32> {
        let all: HashSet<u32> = (0..u32::try_from(self.items.len()).unwrap_or(u32::MAX)).collect();
        self.refresh(&all)
    }

    /// The neighbours of `index`, best first.
    pub fn list(&self, index: u32) -> &List {
        &self.lists[index as usize]
    }

    /// The neighbours of `item`, by name.
    pub fn neighbours(&self, item: &str) -> Vec<(&str, f32)> {
        self.item_index
            .get(item)
            .map(|&i| {
                self.lists[i as usize]
                    .iter()
                    .map(|&(j, s)| (self.item(j), s))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Sorts best first and keeps the best [`NEIGHBOURS`].
fn top(list: &mut List) {
    if list.len() > NEIGHBOURS {
        list.select_nth_unstable_by(NEIGHBOURS, |a, b| b.1.total_cmp(&a.1));
        list.truncate(NEIGHBOURS);
    }
    list.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
}

/// Sets `item`'s similarity in `list` (adding it if it makes the top);
/// answers whether the list changed.
fn mirror(list: &mut List, item: u32, sim: f32) -> bool {
    if let Some(entry) = list.iter_mut().find(|(k, _)| *k == item) {
        if entry.1 == sim {
            return false;
        }
        entry.1 = sim;
    } else if list.len() < NEIGHBOURS || list.last().is_some_and(|&(_, s)| s < sim) {
        list.push((item, sim));
    } else {
        return false;
    }
    top(list);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;

    fn x(user: &str, item: &str, at: i64, weight: f64) -> Interaction {
        Interaction {
            user: user.into(),
            item: item.into(),
            at,
            weight,
        }
    }

    fn names(m: &Model, item: &str) -> Vec<String> {
        m.neighbours(item)
            .into_iter()
            .map(|(n, _)| n.to_owned())
            .collect()
    }

    #[test]
    fn items_liked_together_are_neighbours() {
        let mut m = Model::new(0);
        let mut xs = Vec::new();
        for u in 0..5 {
            xs.push(x(&format!("a{u}"), "r:latte", 0, 3.0));
            xs.push(x(&format!("a{u}"), "r:beans", 0, 3.0));
        }
        for u in 0..5 {
            xs.push(x(&format!("b{u}"), "r:tent", 0, 3.0));
            xs.push(x(&format!("b{u}"), "r:stove", 0, 3.0));
        }
        xs.push(x("a0", "r:tent", 0, 1.0));
        m.add(&xs);
        m.rebuild();
        assert_eq!(names(&m, "r:latte")[0], "r:beans");
        assert_eq!(names(&m, "r:tent")[0], "r:stove");
        let latte = m.neighbours("r:latte");
        let tent = latte.iter().find(|(n, _)| *n == "r:tent").map(|p| p.1);
        assert!(tent.is_some_and(|t| t < latte[0].1 / 3.0), "{latte:?}");
    }

    #[test]
    fn similarity_is_symmetric_and_shrunk() {
        let mut m = Model::new(0);
        m.add(&[x("u", "r:a", 0, 1.0), x("u", "r:b", 0, 1.0)]);
        m.rebuild();
        let ab = m.neighbours("r:a")[0].1;
        let ba = m.neighbours("r:b")[0].1;
        assert_eq!(ab, ba);
        // One member: cosine 1, shrunk to 1 / (1 + SHRINK).
        assert!((f64::from(ab) - 1.0 / (1.0 + SHRINK)).abs() < 1e-6);
    }

    #[test]
    fn older_interactions_weigh_less() {
        let now = 400 * DAY;
        let recent = Model::decayed(3.0, now, now);
        let month = Model::decayed(3.0, now - 30 * DAY, now);
        assert!((recent - 3.0).abs() < 1e-9);
        assert!((month - 1.5).abs() < 1e-9);
        // The same decay as growth from a reference time: ratios agree.
        let r1 = Model::decayed(3.0, now, 0) / Model::decayed(3.0, now - 30 * DAY, 0);
        assert!((r1 - 2.0).abs() < 1e-9);
    }

    #[test]
    fn seeing_an_interaction_again_changes_nothing() {
        let mut m = Model::new(0);
        let xs = [x("u", "r:a", 0, 3.0), x("u", "r:b", 0, 3.0)];
        assert_eq!(m.add(&xs).len(), 2);
        assert!(m.add(&xs).is_empty());
        // A weaker kind on the same item does not lower it either.
        assert!(m.add(&[x("u", "r:a", 0, 1.0)]).is_empty());
        assert_eq!(m.interaction_count(), 2);
    }

    #[test]
    fn incremental_refresh_matches_a_rebuild() {
        let mut xs = Vec::new();
        let mut seed = 7u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..3000 {
            let u = next() % 60;
            let i = next() % 80;
            let at = (next() % 100) as i64 * DAY;
            xs.push(x(
                &format!("u{u}"),
                &format!("r:{i}"),
                at,
                (next() % 5 + 1) as f64,
            ));
        }
        let (first, second) = xs.split_at(2000);
        let mut inc = Model::new(0);
        inc.add(first);
        inc.rebuild();
        let touched = inc.add(second);
        let changed = inc.refresh(&touched);
        assert!(changed.len() >= touched.len());
        let mut full = Model::new(0);
        full.add(&xs);
        full.rebuild();
        let mut differ = 0;
        for i in 0..80 {
            let item = format!("r:{i}");
            let a = inc.neighbours(&item);
            let b = full.neighbours(&item);
            // The best neighbours agree; only the tail may differ (an entry
            // trimmed before it rose again).
            let n = a.len().min(b.len()).min(10);
            for k in 0..n {
                if (a[k].1 - b[k].1).abs() > 1e-4 {
                    differ += 1;
                }
            }
        }
        assert!(differ <= 8, "{differ} of 800 top entries differ");
    }

    #[test]
    fn a_heavy_member_counts_only_their_heaviest_items() {
        let mut m = Model::new(0);
        let mut xs = Vec::new();
        for i in 0..(MAX_PER_MEMBER + 50) {
            xs.push(x("crawler", &format!("r:{i}"), i as i64 * DAY, 1.0));
        }
        m.add(&xs);
        m.rebuild();
        // The 50 oldest fall outside the cap: no neighbours from the crawler.
        assert!(m.neighbours("r:0").is_empty());
        assert!(
            !m.neighbours(&format!("r:{}", MAX_PER_MEMBER + 49))
                .is_empty()
        );
    }
}
