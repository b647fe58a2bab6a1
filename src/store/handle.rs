//! The store's async face. One thread owns the connection, so there is
//! exactly one writer and no SQLite work ever blocks an async runtime;
//! callers send it closures and await the answer.
//!
//! ```no_run
//! # async fn demo(handle: tofu::store::StoreHandle) -> tofu::Result<()> {
//! let n = handle.call(|s| s.turn_count()).await?;
//! # Ok(()) }
//! ```

use std::path::{Path, PathBuf};
use std::sync::mpsc;

use super::Store;
use crate::error::{Error, Result};

type Job = Box<dyn FnOnce(&mut Slot) + Send>;

struct Slot {
    data_dir: PathBuf,
    store: Option<Store>,
}

impl Slot {
    /// The open store, reopened (fresh) after "forget everything".
    fn store(&mut self) -> Result<&mut Store> {
        if self.store.is_none() {
            self.store = Some(Store::open(&self.data_dir)?);
        }
        Ok(self.store.as_mut().expect("just opened"))
    }
}

/// A cloneable handle to the store's thread. The thread ends when the last
/// handle is dropped.
#[derive(Clone)]
pub struct StoreHandle {
    jobs: mpsc::Sender<Job>,
}

impl StoreHandle {
    /// Opens the store on its own thread; an error opening it is returned here.
    pub fn open(data_dir: &Path) -> Result<StoreHandle> {
        let store = Store::open(data_dir)?;
        let mut slot = Slot {
            data_dir: store.data_dir().to_path_buf(),
            store: Some(store),
        };
        let (jobs, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("tofu-store".into())
            .spawn(move || {
                for job in rx {
                    job(&mut slot);
                }
            })
            .map_err(|e| Error::Store(format!("cannot start the store thread: {e}")))?;
        Ok(StoreHandle { jobs })
    }

    fn send<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Slot) -> Result<R> + Send + 'static,
    ) -> Result<tokio::sync::oneshot::Receiver<Result<R>>> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move |slot| {
                let _ = tx.send(f(slot));
            }))
            .map_err(|_| Error::Store("the store thread has stopped".into()))?;
        Ok(rx)
    }

    /// Runs `f` on the store's thread and awaits its result.
    pub async fn call<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<R> + Send + 'static,
    ) -> Result<R> {
        let rx = self.send(move |slot| f(slot.store()?))?;
        rx.await
            .map_err(|_| Error::Store("the store thread stopped mid-call".into()))?
    }

    /// The same, for threads that are not async.
    pub fn call_blocking<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<R> + Send + 'static,
    ) -> Result<R> {
        let rx = self.send(move |slot| f(slot.store()?))?;
        rx.blocking_recv()
            .map_err(|_| Error::Store("the store thread stopped mid-call".into()))?
    }

    /// Forgets everything (see [`Store::forget_everything`]). The next call
    /// starts a new, empty history.
    pub async fn forget_everything(&self) -> Result<Vec<PathBuf>> {
        let rx = self.send(|slot| match slot.store.take() {
            Some(store) => store.forget_everything(),
            None => super::forget_folder(&slot.data_dir),
        })?;
        rx.await
            .map_err(|_| Error::Store("the store thread stopped mid-call".into()))?
    }
}
