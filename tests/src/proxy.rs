//! A TCP proxy between clients and a test server, to make the network fail
//! on purpose: go down (refuse and cut every connection), come back, point
//! at a restarted server, and swallow the responses to sync pushes — the
//! next one, all of them, or each with a probability (the request reaches
//! the server; the client never hears back).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Mutex, watch};

/// A running proxy; dropping it stops it.
pub struct Proxy {
    pub addr: SocketAddr,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

struct State {
    target: Mutex<SocketAddr>,
    down: AtomicBool,
    drop_next_push: AtomicBool,
    /// Swallow each push's response with this probability (per mille).
    drop_push_permille: AtomicU32,
    /// Bumped to cut every open connection.
    generation: watch::Sender<u64>,
    dropped: AtomicU64,
    bytes_up: AtomicU64,
    bytes_down: AtomicU64,
    /// Connections being relayed now.
    live: AtomicU64,
}

/// Counts a relay as live while it runs.
struct Live(Arc<State>);

impl Drop for Live {
    fn drop(&mut self) {
        self.0.live.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Proxy {
    pub async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(State {
            target: Mutex::new(target),
            down: AtomicBool::new(false),
            drop_next_push: AtomicBool::new(false),
            drop_push_permille: AtomicU32::new(0),
            generation: watch::channel(0).0,
            dropped: AtomicU64::new(0),
            bytes_up: AtomicU64::new(0),
            bytes_down: AtomicU64::new(0),
            live: AtomicU64::new(0),
        });
        let st = Arc::clone(&state);
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if st.down.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                st.live.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(relay(client, Arc::clone(&st)));
            }
        });
        Proxy { addr, state, task }
    }

    /// The base URL clients use.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Refuses new connections and cuts the open ones.
    pub fn down(&self) {
        self.state.down.store(true, Ordering::SeqCst);
        self.state.generation.send_modify(|g| *g += 1);
    }

    /// Lets connections through again, once every connection `down` cut is
    /// closed and the clients have had a moment to see it: a client then
    /// opens a fresh connection instead of sending its next request down a
    /// pooled one the cut left dead (which fails at random, as a request
    /// racing a close does).
    pub async fn up(&self) {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
        while self.state.live.load(Ordering::SeqCst) > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        self.state.down.store(false, Ordering::SeqCst);
    }

    /// Points at another server (after a restart on a new port).
    pub async fn retarget(&self, target: SocketAddr) {
        *self.state.target.lock().await = target;
        self.state.generation.send_modify(|g| *g += 1);
    }

    /// The next `POST /v1/sync/push` reaches the server, but its response is
    /// swallowed and the connection cut.
    pub fn drop_next_push_response(&self) {
        self.state.drop_next_push.store(true, Ordering::SeqCst);
    }

    /// Every `POST /v1/sync/push` from now on reaches the server but loses
    /// its response (`false`: responses flow again).
    pub fn drop_push_responses(&self, on: bool) {
        self.drop_push_responses_with(if on { 1.0 } else { 0.0 });
    }

    /// Each push from now on loses its response with probability `p`.
    pub fn drop_push_responses_with(&self, p: f64) {
        let permille = (p.clamp(0.0, 1.0) * 1000.0).round() as u32;
        self.state
            .drop_push_permille
            .store(permille, Ordering::SeqCst);
    }

    /// Bytes relayed (client → server, server → client): what crossed the
    /// wire, headers and compression included.
    pub fn bytes(&self) -> (u64, u64) {
        (
            self.state.bytes_up.load(Ordering::SeqCst),
            self.state.bytes_down.load(Ordering::SeqCst),
        )
    }

    /// How many responses were swallowed.
    pub fn dropped(&self) -> u64 {
        self.state.dropped.load(Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
        self.state.generation.send_modify(|g| *g += 1);
    }
}

async fn relay(client: TcpStream, state: Arc<State>) {
    let _live = Live(Arc::clone(&state));
    // Subscribed first, then checked: a `down` that came before this
    // connection was relayed cuts it too.
    let mut cut = state.generation.subscribe();
    if state.down.load(Ordering::SeqCst) {
        return;
    }
    let target = *state.target.lock().await;
    let Ok(server) = TcpStream::connect(target).await else {
        return;
    };
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let swallow = Arc::new(AtomicBool::new(false));
    let swallow_up = Arc::clone(&swallow);
    let st = Arc::clone(&state);
    let upstream = async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match cr.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if buf[..n].starts_with(b"POST /v1/sync/push ") {
                let permille = st.drop_push_permille.load(Ordering::SeqCst);
                let by_chance = permille > 0 && rand::random::<u32>() % 1000 < permille;
                if st.drop_next_push.swap(false, Ordering::SeqCst) || by_chance {
                    swallow_up.store(true, Ordering::SeqCst);
                }
            }
            st.bytes_up.fetch_add(n as u64, Ordering::Relaxed);
            if sw.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
    };
    let st = Arc::clone(&state);
    let downstream = async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match sr.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if swallow.load(Ordering::SeqCst) {
                st.dropped.fetch_add(1, Ordering::SeqCst);
                break;
            }
            st.bytes_down.fetch_add(n as u64, Ordering::Relaxed);
            if cw.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
    };
    tokio::select! {
        _ = upstream => {}
        _ = downstream => {}
        _ = cut.changed() => {}
    }
}
