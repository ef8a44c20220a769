use super::*;
use std::cell::RefCell;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// An outcome as a word, to compare (`StorageError` is not `PartialEq`).
fn word(o: &Outcome) -> &'static str {
    match o {
        Ok(true) => "stored",
        Ok(false) => "duplicate",
        Err(StorageError::Interrupted) => "interrupted",
        Err(StorageError::Runtime(_)) => "refused",
        Err(_) => "other error",
    }
}

fn outcome(q: &mut Queue<&str>, ticket: u64) -> Option<&'static str> {
    q.take_outcome(ticket).as_ref().map(word)
}

fn refused() -> StorageError {
    StorageError::Runtime(worker::Error::RustError("refused".into()))
}

/// Runs a future that never waits (the fakes below answer at once).
fn now<T>(f: impl Future<Output = T>) -> T {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("the fake database never waits"),
    }
}

#[test]
fn rows_of_several_requests_go_into_one_batch_and_each_gets_its_own_outcome() {
    let mut q = Queue::default();
    assert_eq!(q.start_writing(0.0), None, "nothing queued: no write");
    let tickets: Vec<u64> = ["a", "b", "c"].into_iter().map(|r| q.enqueue(r)).collect();
    assert_eq!(q.start_writing(0.0), Some(0));
    assert_eq!(q.start_writing(1.0), None, "one write at a time");
    let batch = q.take_batch();
    assert_eq!(batch, vec![(0, "a"), (1, "b"), (2, "c")]);
    q.post(0, &tickets, vec![Ok(true), Ok(false), Ok(true)]);
    let got: Vec<_> = tickets.iter().map(|t| outcome(&mut q, *t)).collect();
    assert_eq!(got, [Some("stored"), Some("duplicate"), Some("stored")]);
    assert_eq!(outcome(&mut q, 0), None, "an outcome is collected once");

    // At most MAX_BATCH a transaction; the rest are the next writer's.
    for _ in 0..MAX_BATCH + 6 {
        q.enqueue("r");
    }
    assert_eq!(q.start_writing(2.0), Some(1));
    assert_eq!(q.take_batch().len(), MAX_BATCH);
    q.post(1, &[], vec![]);
    assert_eq!(q.start_writing(3.0), Some(2));
    assert_eq!(q.take_batch().len(), 6);
}

#[test]
fn a_stalled_writer_is_taken_over_and_its_late_outcomes_still_count() {
    let mut q = Queue::default();
    let a = q.enqueue("a");
    assert_eq!(q.start_writing(0.0), Some(0));
    let stalled = q.take_batch();
    let b = q.enqueue("b");
    assert_eq!(q.start_writing(TAKEOVER - 1.0), None, "not held long enough");
    assert_eq!(q.start_writing(TAKEOVER), Some(1), "held past TAKEOVER: the next request writes");
    assert_eq!(q.take_batch(), vec![(b, "b")], "the queue, not the stalled batch (its clients retry)");

    // The stalled writer answers late: its reports get their outcomes, the new write goes on.
    q.post(0, &[stalled[0].0], vec![Ok(true)]);
    assert_eq!(outcome(&mut q, a), Some("stored"));
    q.enqueue("c");
    assert_eq!(q.start_writing(TAKEOVER + 1.0), None, "the stalled writer does not end the new write");
    q.post(1, &[b], vec![Ok(true)]);
    assert_eq!(q.start_writing(TAKEOVER + 2.0), Some(2));

    // A request waits MAX_WAIT_MS at most, then withdraws its row if still queued.
    assert!(!waited_too_long(0.0, MAX_WAIT_MS) && waited_too_long(0.0, MAX_WAIT_MS + 1.0));
    let mut q = Queue::default();
    let (x, y) = (q.enqueue("x"), q.enqueue("y"));
    q.withdraw(x);
    assert_eq!(q.start_writing(0.0), Some(0));
    assert_eq!(q.take_batch(), vec![(y, "y")]);
}

#[test]
fn duplicates_are_told_from_stored_rows_and_uncollected_outcomes_are_capped() {
    // Each row's first statement's changes: none (already stored, or the same id earlier in
    // this batch) is a duplicate.
    assert_eq!(
        stored(&[0, 3, 5, 7], |i| [Some(1), None, None, Some(0), None, Some(1)].get(i).copied().flatten()),
        [true, false, true, false]
    );
    let mut q = Queue::default();
    let tickets: Vec<u64> = (0..MAX_DONE as u64 + 10).map(|_| q.enqueue("r")).collect();
    q.post(0, &tickets, tickets.iter().map(|_| Ok(false)).collect());
    assert_eq!(outcome(&mut q, 0), None, "the oldest uncollected outcomes are dropped");
    assert_eq!(outcome(&mut q, tickets[tickets.len() - 1]), Some("duplicate"));
}

#[test]
fn a_failed_batch_is_reported_to_every_waiter() {
    // Given up or cancelled: no outcomes, each ticket is answered interrupted.
    let mut q = Queue::default();
    let tickets: Vec<u64> = ["a", "b", "c"].into_iter().map(|r| q.enqueue(r)).collect();
    assert_eq!(q.start_writing(0.0), Some(0));
    q.take_batch();
    q.post(0, &tickets, vec![]);
    let got: Vec<_> = tickets.iter().map(|t| outcome(&mut q, *t)).collect();
    assert_eq!(got, [Some("interrupted"); 3]);
    assert_eq!(q.start_writing(1.0), None, "the write ended and nothing is queued");

    // Refused as a whole: each row alone, so only the row the database refuses fails.
    let calls = RefCell::new(Vec::new());
    let out = now(write(3, |r: Range<usize>| {
        calls.borrow_mut().push(r.clone());
        let ok = r.len() == 1 && r.start != 1;
        async move {
            if ok {
                Ok(vec![true])
            } else {
                Err(refused())
            }
        }
    }));
    assert_eq!(out.iter().map(word).collect::<Vec<_>>(), ["stored", "refused", "stored"]);
    assert_eq!(*calls.borrow(), [0..3, 0..1, 1..2, 2..3]);
    // The database down: every row fails; one row alone is not written twice.
    let down = now(write(2, |_| async { Err::<Vec<bool>, _>(refused()) }));
    assert_eq!(down.iter().map(word).collect::<Vec<_>>(), ["refused", "refused"]);
    let calls = RefCell::new(0);
    let one = now(write(1, |_| {
        *calls.borrow_mut() += 1;
        async { Err::<Vec<bool>, _>(refused()) }
    }));
    assert_eq!((one.iter().map(word).collect::<Vec<_>>(), *calls.borrow()), (vec!["refused"], 1));
    // Written together: the batch's own answer, row by row.
    let together = now(write(2, |_| async { Ok(vec![true, false]) }));
    assert_eq!(together.iter().map(word).collect::<Vec<_>>(), ["stored", "duplicate"]);
}
