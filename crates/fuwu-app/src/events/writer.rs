//! Group commit for intake. Recording an event ends in a short write; under
//! load many wait for the same (SQLite: single) write connection. One task
//! takes every write waiting, writes them in one transaction and answers each.
//! If any of them fails, the batch is rolled back and each write is done again
//! alone, so one bad request never affects another's outcome.

use super::Event;
use super::intake::{TargetInput, write_new};
use crate::caller::Caller;
use crate::error::AppError;
use crate::records::Stored;
use fuwu_store::Db;
use tokio::sync::{mpsc, oneshot};

/// One prepared event waiting to be written.
pub struct Job {
    pub caller: Caller,
    pub event: Event,
    pub dispatch: Option<TargetInput>,
    /// The moment it is recorded at (the app's clock when it was sent).
    pub at: jiff::Timestamp,
    pub reply: oneshot::Sender<Result<Stored<Event>, AppError>>,
}

/// The most writes in one transaction.
const MAX_BATCH: usize = 128;

/// Starts the writer task; it ends when every sender is dropped.
pub fn start(db: Db) -> mpsc::Sender<Job> {
    let (tx, mut rx) = mpsc::channel::<Job>(1024);
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut jobs = vec![first];
            while jobs.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(j) => jobs.push(j),
                    Err(_) => break,
                }
            }
            run_batch(&db, jobs).await;
        }
    });
    tx
}

async fn one(db: &Db, j: &Job) -> Result<Stored<Event>, AppError> {
    let mut tx = db.begin().await?;
    let out = write_new(&mut tx, j.at, &j.caller, j.event.clone(), j.dispatch.clone(), None).await?;
    tx.commit().await?;
    Ok(out)
}

async fn run_batch(db: &Db, jobs: Vec<Job>) {
    if jobs.len() > 1 {
        let mut results = Vec::with_capacity(jobs.len());
        let batch: Result<(), AppError> = async {
            let mut tx = db.begin().await?;
            // The batch's numbers in one step, handed out in arrival order.
            let year = i32::from(fuwu_core::entitlement::service_date(jobs[0].at).year());
            let last = fuwu_store::events::next_numbers(&mut tx, i64::from(year), jobs.len() as i64).await?;
            let first = last - jobs.len() as i64 + 1;
            for (i, j) in jobs.iter().enumerate() {
                let number = Some((year, first + i as i64));
                results.push(write_new(&mut tx, j.at, &j.caller, j.event.clone(), j.dispatch.clone(), number).await?);
            }
            tx.commit().await?;
            Ok(())
        }
        .await;
        if batch.is_ok() {
            for (j, r) in jobs.into_iter().zip(results) {
                let _ = j.reply.send(Ok(r));
            }
            return;
        }
    }
    for j in jobs {
        let r = one(db, &j).await;
        let _ = j.reply.send(r);
    }
}
