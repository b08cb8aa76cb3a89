//! SQL batching: statement shapes are kept to a few sizes so prepared
//! statements are reused (sqlx caches them per connection by SQL text;
//! preparing a new shape per batch cost more than running it). Lists are
//! padded to the next power of two by repeating their last value, and
//! multi-row inserts go in power-of-two chunks of at most [`MAX_ROWS`] rows
//! (SQLite looks bound parameters up by name, so very wide statements get
//! slow too). The chat writer's batched sends and the change log use them.

/// How many values a list of `n` is padded to (the next power of two).
pub fn padded(n: usize) -> usize {
    n.max(1).next_power_of_two()
}

/// Most rows in one multi-row statement.
pub const MAX_ROWS: usize = 16;

/// `n` split into power-of-two chunk sizes of at most [`MAX_ROWS`].
pub fn row_chunks(mut n: usize) -> Vec<usize> {
    let mut out = Vec::new();
    while n > 0 {
        let size = MAX_ROWS.min(1 << (usize::BITS - 1 - n.leading_zeros()));
        out.push(size);
        n -= size;
    }
    out
}

/// `items` split into consecutive slices of [`row_chunks`] sizes.
pub fn in_row_chunks<T>(items: &[T]) -> impl Iterator<Item = &[T]> {
    let mut rest = items;
    row_chunks(items.len()).into_iter().map(move |n| {
        let (head, tail) = rest.split_at(n);
        rest = tail;
        head
    })
}

/// `$first, $first+1, ...`: `n` numbered parameters.
pub fn placeholders(n: usize, first: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_shapes_come_in_few_sizes() {
        assert_eq!(row_chunks(0), Vec::<usize>::new());
        assert_eq!(row_chunks(1), [1]);
        assert_eq!(row_chunks(37), [16, 16, 4, 1]);
        assert_eq!(row_chunks(15), [8, 4, 2, 1]);
        let items: Vec<u32> = (0..37).collect();
        let chunks: Vec<&[u32]> = in_row_chunks(&items).collect();
        assert_eq!(chunks.iter().map(|c| c.len()).sum::<usize>(), 37);
        assert_eq!(chunks.concat(), items);
        assert_eq!(
            (padded(0), padded(1), padded(3), padded(64), padded(65)),
            (1, 1, 4, 64, 128)
        );
    }
}
