//! The systemd watchdog: the kiosk tells systemd it is ready once frames are drawn, then keeps
//! telling it "still alive" from the frame loop itself. A frozen frame loop (a hung GPU, a
//! deadlock) stops the messages, and systemd restarts the kiosk (`WatchdogSec=` in the unit).
//!
//! The protocol is one datagram per message to the socket named in `NOTIFY_SOCKET`; the interval
//! systemd expects is in `WATCHDOG_USEC`. Nothing here runs when they are absent.

use std::{
    os::unix::net::{SocketAddr, UnixDatagram},
    time::Duration,
};

use bevy::prelude::*;

/// A connection to systemd's notification socket.
#[derive(Debug)]
pub struct Notifier {
    socket: UnixDatagram,
    address: SocketAddr,
    /// How often systemd wants to hear from us, if it watches.
    pub watchdog: Option<Duration>,
}

impl Notifier {
    /// From the environment systemd gives a `Type=notify` service; `None` outside systemd.
    #[must_use]
    pub fn from_env() -> Option<Self> {
        let path = std::env::var_os("NOTIFY_SOCKET")?;
        let watchdog = std::env::var("WATCHDOG_USEC")
            .ok()
            .and_then(|usec| usec.parse::<u64>().ok())
            .filter(|usec| *usec > 0)
            .map(Duration::from_micros);
        match Self::connect(path.to_str()?, watchdog) {
            Ok(notifier) => Some(notifier),
            Err(error) => {
                warn!("systemd's NOTIFY_SOCKET is set but unusable: {error}");
                None
            }
        }
    }

    /// A notifier for the socket at `path` (`@name` for an abstract socket).
    pub fn connect(path: &str, watchdog: Option<Duration>) -> std::io::Result<Self> {
        let address = if let Some(name) = path.strip_prefix('@') {
            use std::os::linux::net::SocketAddrExt;
            SocketAddr::from_abstract_name(name.as_bytes())?
        } else {
            SocketAddr::from_pathname(path)?
        };
        // Never block the frame loop on systemd: a full queue drops a message, not a frame.
        let socket = UnixDatagram::unbound()?;
        socket.set_nonblocking(true)?;
        Ok(Self {
            socket,
            address,
            watchdog,
        })
    }

    /// Sends one message, e.g. `READY=1`.
    pub fn notify(&self, message: &str) -> std::io::Result<()> {
        self.socket
            .send_to_addr(message.as_bytes(), &self.address)
            .map(drop)
    }
}

/// Frames drawn before the kiosk calls itself ready.
const FRAMES_BEFORE_READY: u32 = 3;

#[derive(Resource)]
struct Watchdog {
    notifier: Notifier,
    frames: u32,
    since_fed: Duration,
}

/// Adds the watchdog when the kiosk runs under systemd.
pub fn plugin(app: &mut App) {
    if let Some(notifier) = Notifier::from_env() {
        info!(
            "systemd watchdog: {}",
            notifier
                .watchdog
                .map_or("not watched".to_owned(), |d| format!("every {d:?}"))
        );
        watch(app, notifier);
    }
}

/// Tells `notifier` when the app is ready and feeds it from the frame loop.
pub fn watch(app: &mut App, notifier: Notifier) {
    app.insert_resource(Watchdog {
        notifier,
        frames: 0,
        since_fed: Duration::ZERO,
    })
    .add_systems(Last, feed_watchdog);
}

/// Runs once per frame, so it feeds systemd only while frames advance.
fn feed_watchdog(time: Res<Time<Real>>, mut dog: ResMut<Watchdog>) {
    dog.frames = dog.frames.saturating_add(1);
    if dog.frames == FRAMES_BEFORE_READY {
        if let Err(error) = dog.notifier.notify("READY=1\nSTATUS=weaving") {
            warn!("could not tell systemd the kiosk is ready: {error}");
        }
        dog.since_fed = Duration::ZERO;
        return;
    }
    let Some(interval) = dog.notifier.watchdog else {
        return;
    };
    dog.since_fed += time.delta();
    if dog.frames > FRAMES_BEFORE_READY && dog.since_fed >= interval / 3 {
        dog.since_fed = Duration::ZERO;
        if let Err(error) = dog.notifier.notify("WATCHDOG=1") {
            warn!("could not feed the systemd watchdog: {error}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TempDir;

    #[test]
    fn messages_reach_the_socket() {
        let dir = TempDir::new("notify");
        let path = dir.path().join("notify.sock");
        let listener = UnixDatagram::bind(&path).unwrap();
        let notifier =
            Notifier::connect(path.to_str().unwrap(), Some(Duration::from_secs(10))).unwrap();
        notifier.notify("READY=1").unwrap();
        notifier.notify("WATCHDOG=1").unwrap();
        let mut buffer = [0u8; 64];
        let n = listener.recv(&mut buffer).unwrap();
        assert_eq!(&buffer[..n], b"READY=1");
        let n = listener.recv(&mut buffer).unwrap();
        assert_eq!(&buffer[..n], b"WATCHDOG=1");
    }

    #[test]
    fn abstract_sockets_are_understood() {
        use std::os::linux::net::SocketAddrExt;
        let name = format!("dreamloom-test-{}", std::process::id());
        let listener =
            UnixDatagram::bind_addr(&SocketAddr::from_abstract_name(name.as_bytes()).unwrap())
                .unwrap();
        let notifier = Notifier::connect(&format!("@{name}"), None).unwrap();
        notifier.notify("READY=1").unwrap();
        let mut buffer = [0u8; 16];
        let n = listener.recv(&mut buffer).unwrap();
        assert_eq!(&buffer[..n], b"READY=1");
    }
}
