//! Maps over a slice on the machine's cores, keeping the order. A neutral home: readers,
//! checks, the compiler and the binary's promtool runs all use it.

/// Maps on every core, keeping the order.
pub fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    parallel_map_in_chunks(items, 1, f)
}

/// Maps on as many cores as there are chunks of at least `at_least` items, keeping the order:
/// a thread is not worth starting for a few cheap items.
pub fn parallel_map_in_chunks<T: Sync, R: Send>(items: &[T], at_least: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = cores.min(items.len() / at_least.max(1));
    if threads < 2 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> =
            items.chunks(chunk).map(|c| scope.spawn(|| c.iter().map(&f).collect::<Vec<_>>())).collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn order_is_kept_whatever_the_chunks() {
        let items: Vec<u32> = (0..1000).collect();
        for at_least in [1, 7, 5000] {
            assert_eq!(
                super::parallel_map_in_chunks(&items, at_least, |x| x * 2),
                items.iter().map(|x| x * 2).collect::<Vec<_>>()
            );
        }
    }
}
