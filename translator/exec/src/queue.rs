//! The background compiler's work queue, ordered by heat.
//!
//! A block is queued once, when its tier-0 count reaches the threshold,
//! but a large flat program (python3: thousands of regions) queues blocks
//! faster than one thread compiles them. In first-come order a loop that
//! gets hot late waits behind hundreds of blocks that reached the threshold
//! once and never ran again, while it keeps running at tier 0. So the
//! compiler takes the queued block whose tier-0 count grew most since the
//! last time the queue was looked at: the one costing the most right now.
//! A parked item (a block that joined another region while it waited) is
//! taken only once its count grows past what it was when first seen
//! parked.

use std::sync::{Condvar, Mutex, MutexGuard};

/// How often a consumer waiting without a timeout looks again at parked
/// items (see [`HeatQueue::pop`]).
///
/// A poll, not a signal from where an item un-parks, on purpose: an item
/// un-parks when its heat grows past what it was when first seen parked,
/// and heat is a count the guest's dispatcher bumps with a relaxed store
/// on each tier-0 run (`count_hit`), outside this queue's lock, while the
/// bound it must pass lives here, under the lock. A signal that cannot be
/// lost (growth seen by the dispatcher between the consumer's look and
/// its wait) needs that lock, or the bound copied into every `Tb`, on the
/// tier-0 runs of every queued block that joined another region: the hot
/// path the heat order exists for (python3: thousands queued). A notify
/// without the lock on each such run is a futex wake each time (std's
/// `Condvar`) and is still lost if it comes between the look and the
/// wait; then the block would stay at tier 0 until the next push. The
/// poll bounds that at 20 ms, at the cost of one look at the queued items
/// per period. The compiler thread mostly waits with a timeout anyway
/// ([`RECOMPILE_PERIOD`](crate::RECOMPILE_PERIOD), also 20 ms, while any
/// quick region was not recompiled: `bench-strings` ends with 198 quick
/// regions, 41 recompiled), so this poll runs only once none is left.
const PARKED_RECHECK: std::time::Duration = std::time::Duration::from_millis(20);

/// Items with the heat they had when last looked at and when first seen
/// parked, the closed flag, and the pause ([`HeatQueue::pause`]).
struct State<T> {
    items: Vec<(T, u32, Option<u32>)>,
    closed: bool,
    /// Pauses in force: the consumer is held inside
    /// [`HeatQueue::pop_timeout`] while there is one.
    paused: usize,
    /// The consumer waits inside [`HeatQueue::pop_timeout`] (between two
    /// items: it holds nothing of the previous one).
    idle: bool,
}

/// A blocking multi-producer queue whose consumer takes the hottest item.
pub(crate) struct HeatQueue<T> {
    state: Mutex<State<T>>,
    ready: Condvar,
    /// Signalled when the consumer starts waiting while paused.
    idle: Condvar,
}

/// Keeps the consumer of a [`HeatQueue`] waiting between two items until
/// dropped (see [`HeatQueue::pause`]).
pub(crate) struct Paused<'a, T>(&'a HeatQueue<T>);

impl<T> Drop for Paused<'_, T> {
    fn drop(&mut self) {
        self.0.lock().paused -= 1;
        self.0.ready.notify_all();
    }
}

impl<T> HeatQueue<T> {
    /// An empty, open queue.
    pub(crate) fn new() -> Self {
        HeatQueue {
            state: Mutex::new(State {
                items: Vec::new(),
                closed: false,
                paused: 0,
                idle: false,
            }),
            ready: Condvar::new(),
            idle: Condvar::new(),
        }
    }

    /// Holds the consumer inside [`HeatQueue::pop_timeout`], where it waits
    /// holding no item and no lock, until the returned guard is dropped:
    /// returns once it waits there (after the item it is busy with, if
    /// any). There must be a consumer that calls `pop_timeout` again.
    pub(crate) fn pause(&self) -> Paused<'_, T> {
        let mut st = self.lock();
        st.paused += 1;
        while !st.idle && !st.closed {
            st = self.idle.wait(st).unwrap_or_else(|e| e.into_inner());
        }
        Paused(self)
    }

    /// [`HeatQueue::pause`] without waiting for the consumer to get
    /// there: for tests that hold a consumer that has not started yet
    /// (it stops at its first look at the queue).
    #[cfg(test)]
    pub(crate) fn hold(&self) -> Paused<'_, T> {
        self.lock().paused += 1;
        Paused(self)
    }

    /// In a forked child, whose consumer (paused at the fork) does not
    /// exist: no pause is in force and no consumer waits, for the new
    /// consumer that takes the items left.
    pub(crate) fn forked(&self) {
        let mut st = self.lock();
        st.paused = 0;
        st.idle = false;
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds `item`, whose heat (e.g. its execution count) is `heat` now.
    /// Ignored once the queue is closed.
    pub(crate) fn push(&self, item: T, heat: u32) {
        let mut st = self.lock();
        if st.closed {
            return;
        }
        st.items.push((item, heat, None));
        drop(st);
        self.ready.notify_one();
    }

    /// Wakes the consumer and makes [`HeatQueue::pop`] return `None` from
    /// now on.
    pub(crate) fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_all();
    }

    /// Items waiting.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().items.len()
    }

    /// Waits for an item and takes the one whose heat grew most since it
    /// was pushed or last looked at (the oldest among equals). `heat` gives
    /// an item's heat now and whether it is parked (taken only once its
    /// heat grew past what it was when first seen parked), or `None` for
    /// an item no longer wanted (dropped). Returns the item and how many items that are not parked
    /// are left waiting, or `None` once the queue is closed.
    #[cfg(test)]
    pub(crate) fn pop(&self, heat: impl Fn(&T) -> Option<(u32, bool)>) -> Option<(T, usize)> {
        self.pop_timeout(heat, None).map(|p| p.expect("no timeout"))
    }

    /// [`HeatQueue::pop`], waiting at most `timeout` (if given) for an
    /// item: `Some(None)` when it passed (or the wait woke early) with
    /// nothing to take.
    pub(crate) fn pop_timeout(
        &self,
        heat: impl Fn(&T) -> Option<(u32, bool)>,
        timeout: Option<std::time::Duration>,
    ) -> Option<Option<(T, usize)>> {
        let mut st = self.lock();
        let mut waited = false;
        loop {
            while st.paused > 0 && !st.closed {
                st.idle = true;
                self.idle.notify_all();
                st = self.ready.wait(st).unwrap_or_else(|e| e.into_inner());
            }
            st.idle = false;
            if st.closed {
                return None;
            }
            let mut best: Option<(usize, u32)> = None;
            let (mut i, mut unparked) = (0, 0);
            st.items.retain_mut(|(item, last, since)| {
                let Some((now, parked)) = heat(item) else {
                    return false;
                };
                let grew = now.saturating_sub(*last);
                *last = now;
                // Parked until its heat grows past what it was when first
                // seen parked.
                let parked = parked && now <= *since.get_or_insert(now);
                unparked += usize::from(!parked);
                if !parked && best.is_none_or(|(_, g)| grew > g) {
                    best = Some((i, grew));
                }
                i += 1;
                true
            });
            if let Some((i, _)) = best {
                let item = st.items.remove(i).0;
                return Some(Some((item, unparked - 1)));
            }
            match timeout {
                // Parked items are looked at again now and then: they do
                // not wake the consumer when they grow.
                None if !st.items.is_empty() => {
                    st.idle = true;
                    st = self
                        .ready
                        .wait_timeout(st, PARKED_RECHECK)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
                None => {
                    st.idle = true;
                    st = self.ready.wait(st).unwrap_or_else(|e| e.into_inner());
                }
                Some(_) if waited => return Some(None),
                Some(t) => {
                    st.idle = true;
                    st = self
                        .ready
                        .wait_timeout(st, t)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                    waited = true;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::HeatQueue;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn takes_the_item_that_got_hotter_first_then_the_oldest() {
        let q = HeatQueue::new();
        let heat: Vec<Arc<AtomicU32>> = (0..4).map(|_| Arc::new(AtomicU32::new(10))).collect();
        for (i, h) in heat.iter().enumerate() {
            q.push(i, h.load(Ordering::Relaxed));
        }
        let now = |i: &usize| Some((heat[*i].load(Ordering::Relaxed), false));
        // Item 2 ran 50 more times while waiting, item 3 five times.
        heat[2].store(60, Ordering::Relaxed);
        heat[3].store(15, Ordering::Relaxed);
        assert_eq!(q.pop(now).map(|p| p.0), Some(2));
        // Growth counts from the last look: item 3's five runs were seen
        // by that pop, so nothing grew since: first come, first served.
        assert_eq!(q.pop(now).map(|p| p.0), Some(0));
        // One more run of item 3 puts it before the older item 1.
        heat[3].store(16, Ordering::Relaxed);
        assert_eq!(q.pop(now), Some((3, 1)));
        assert_eq!(q.pop(now), Some((1, 0)));
        assert_eq!(q.len(), 0);
    }

    /// A parked item is taken only once its heat grew past what it was when
    /// first seen parked, and does not count as waiting; the consumer looks
    /// at it again after [`super::PARKED_RECHECK`] without being woken.
    #[test]
    fn parked_items_wait_until_they_grow() {
        let q = Arc::new(HeatQueue::new());
        let heat: Arc<Vec<AtomicU32>> = Arc::new((0..3).map(|_| AtomicU32::new(5)).collect());
        for i in 0..3 {
            q.push(i, 5);
        }
        // Item 0 is parked, 1 and 2 are not.
        let now = {
            let heat = heat.clone();
            move |i: &usize| Some((heat[*i].load(Ordering::Relaxed), *i == 0))
        };
        // Nothing grew: the oldest item not parked, one more waiting.
        assert_eq!(q.pop(&now), Some((1, 1)));
        assert_eq!(q.pop(&now), Some((2, 0)));
        // Only the parked item is left: the consumer waits for it to grow
        // (no push wakes it).
        let (q2, now2) = (q.clone(), now.clone());
        let t = std::thread::spawn(move || q2.pop(now2));
        std::thread::sleep(std::time::Duration::from_millis(30));
        assert!(!t.is_finished(), "a parked item that did not grow stays");
        heat[0].store(6, Ordering::Relaxed);
        assert_eq!(t.join().expect("consumer thread"), Some((0, 0)));
        // What counts is the growth since it was first seen parked, not
        // since it was pushed.
        q.push(0, 6);
        q.push(1, 5);
        heat[0].store(9, Ordering::Relaxed);
        assert_eq!(q.pop(&now), Some((1, 0)));
        heat[0].store(10, Ordering::Relaxed);
        assert_eq!(q.pop(&now), Some((0, 0)));
    }

    #[test]
    fn drops_unwanted_items_and_ends_when_closed() {
        let q = Arc::new(HeatQueue::new());
        q.push(1u32, 0);
        q.push(2u32, 0);
        // Item 1 is gone (e.g. its block was invalidated).
        assert_eq!(q.pop(|&i| (i != 1).then_some((0, false))), Some((2, 0)));
        assert_eq!(q.len(), 0);
        let q2 = q.clone();
        let t = std::thread::spawn(move || q2.pop(|_| Some((0, false))));
        std::thread::sleep(std::time::Duration::from_millis(20));
        q.close();
        assert_eq!(t.join().expect("consumer thread"), None);
        q.push(3, 0);
        assert_eq!(q.len(), 0, "closed queues take nothing");
    }

    /// A pause waits for the item the consumer is busy with, then holds
    /// it between items (pushed ones stay queued) until the guard goes.
    #[test]
    fn pause_holds_the_consumer_between_items() {
        let q = Arc::new(HeatQueue::new());
        let done = Arc::new(AtomicU32::new(0));
        let (q2, done2) = (q.clone(), done.clone());
        let t = std::thread::spawn(move || {
            while q2.pop(|_| Some((0, false))).is_some() {
                // Busy with the item (a compile).
                std::thread::sleep(std::time::Duration::from_millis(40));
                done2.fetch_add(1, Ordering::SeqCst);
            }
        });
        q.push(1u32, 0);
        while q.len() != 0 {
            std::thread::yield_now();
        }
        let paused = q.pause();
        assert_eq!(done.load(Ordering::SeqCst), 1, "the item in hand first");
        q.push(2, 0);
        std::thread::sleep(std::time::Duration::from_millis(60));
        assert_eq!(q.len(), 1, "nothing taken while paused");
        assert_eq!(done.load(Ordering::SeqCst), 1);
        drop(paused);
        let t0 = std::time::Instant::now();
        while done.load(Ordering::SeqCst) != 2 && t0.elapsed().as_secs() < 10 {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        assert_eq!(done.load(Ordering::SeqCst), 2, "taken once resumed");
        // A consumer already waiting is paused at once.
        drop(q.pause());
        q.close();
        t.join().expect("consumer thread");
    }

    #[test]
    fn pop_with_a_timeout_returns_empty_handed_or_the_item() {
        let q = HeatQueue::new();
        let t = std::time::Duration::from_millis(5);
        let t0 = std::time::Instant::now();
        assert_eq!(q.pop_timeout(|_| Some((0, false)), Some(t)), Some(None));
        assert!(t0.elapsed() >= t, "waited for the timeout");
        q.push(7u32, 0);
        assert_eq!(
            q.pop_timeout(|_| Some((0, false)), Some(t)),
            Some(Some((7, 0)))
        );
        q.close();
        assert_eq!(q.pop_timeout(|_| Some((0, false)), Some(t)), None);
    }
}
