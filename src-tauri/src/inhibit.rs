//! Keeps the screens on while the wall runs; released when it stops (dropped).
//!
//! - Linux: the session's `org.freedesktop.ScreenSaver.Inhibit` over D-Bus (GNOME, KDE, XFCE… offer
//!   it), kept by holding the connection; else, on X11, the screen saver's timeout set to 0 and
//!   DPMS disabled (what `xset s off -dpms` does), the previous settings restored afterwards.
//! - Windows: `SetThreadExecutionState(ES_CONTINUOUS | ES_DISPLAY_REQUIRED | ES_SYSTEM_REQUIRED)`
//!   from a thread of its own that lives as long as the inhibition (the state belongs to the
//!   thread that set it), cleared with `ES_CONTINUOUS` when it ends.

/// An active inhibition; dropping it releases it.
pub struct Inhibit {
    #[cfg(target_os = "linux")]
    how: Option<linux::How>,
    #[cfg(windows)]
    stop: Option<std::sync::mpsc::Sender<()>>,
}

impl Inhibit {
    /// Inhibits what this system offers; logs what it did (or that it could not).
    pub fn start() -> Inhibit {
        #[cfg(target_os = "linux")]
        {
            let how = linux::start();
            match &how {
                Some(h) => tracing::info!("wall: screen blanking inhibited ({})", h.describe()),
                None => tracing::warn!(
                    "wall: screen blanking could not be inhibited (no org.freedesktop.ScreenSaver \
                     on the session bus and no X11 display)"
                ),
            }
            Inhibit { how }
        }
        #[cfg(windows)]
        {
            Inhibit {
                stop: windows::start(),
            }
        }
        #[cfg(not(any(target_os = "linux", windows)))]
        {
            Inhibit {}
        }
    }
}

impl Drop for Inhibit {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        if let Some(h) = self.how.take() {
            h.release();
            tracing::info!("wall: screen blanking allowed again");
        }
        #[cfg(windows)]
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::ptr;

    use x11_dl::dpms::Xext;
    use x11_dl::xlib::{Display, Xlib};

    pub enum How {
        DBus {
            conn: zbus::blocking::Connection,
            cookie: u32,
        },
        X11(Box<X11Saved>),
    }

    pub struct X11Saved {
        xlib: Xlib,
        xext: Option<Xext>,
        dpy: *mut Display,
        saver: [i32; 4],
        dpms_was_on: bool,
    }

    // The display connection is used only by the owner of the inhibition, one thread at a time.
    unsafe impl Send for X11Saved {}

    const SS: &str = "org.freedesktop.ScreenSaver";

    pub fn start() -> Option<How> {
        dbus().or_else(|| x11().map(|x| How::X11(Box::new(x))))
    }

    fn dbus() -> Option<How> {
        let conn = zbus::blocking::Connection::session().ok()?;
        let reply = conn
            .call_method(
                Some(SS),
                "/org/freedesktop/ScreenSaver",
                Some(SS),
                "Inhibit",
                &("Watchdesk", "video wall running"),
            )
            .ok()?;
        let cookie: u32 = reply.body().deserialize().ok()?;
        Some(How::DBus { conn, cookie })
    }

    fn x11() -> Option<X11Saved> {
        std::env::var_os("DISPLAY")?;
        let xlib = Xlib::open().ok()?;
        // SAFETY: plain Xlib calls on a display this function opened; pointers are to locals.
        unsafe {
            let dpy = (xlib.XOpenDisplay)(ptr::null());
            if dpy.is_null() {
                return None;
            }
            let (mut timeout, mut interval, mut blank, mut expose) = (0, 0, 0, 0);
            (xlib.XGetScreenSaver)(dpy, &mut timeout, &mut interval, &mut blank, &mut expose);
            let s = [timeout, interval, blank, expose];
            (xlib.XSetScreenSaver)(dpy, 0, interval, blank, expose);
            let xext = Xext::open().ok().filter(|x| (x.DPMSCapable)(dpy) != 0);
            let mut dpms_was_on = false;
            if let Some(x) = &xext {
                let (mut level, mut on) = (0u16, 0u8);
                (x.DPMSInfo)(dpy, &mut level, &mut on);
                dpms_was_on = on != 0;
                (x.DPMSDisable)(dpy);
            }
            (xlib.XFlush)(dpy);
            Some(X11Saved {
                xlib,
                xext,
                dpy,
                saver: s,
                dpms_was_on,
            })
        }
    }

    impl How {
        pub fn describe(&self) -> &'static str {
            match self {
                How::DBus { .. } => "org.freedesktop.ScreenSaver.Inhibit",
                How::X11(_) => "X11 screen saver off, DPMS off",
            }
        }

        pub fn release(self) {
            match self {
                How::DBus { conn, cookie } => {
                    let _ = conn.call_method(
                        Some(SS),
                        "/org/freedesktop/ScreenSaver",
                        Some(SS),
                        "UnInhibit",
                        &(cookie),
                    );
                }
                How::X11(x) => {
                    let s = x.saver;
                    // SAFETY: the display opened in `x11`, closed once here.
                    unsafe {
                        (x.xlib.XSetScreenSaver)(x.dpy, s[0], s[1], s[2], s[3]);
                        if let (Some(e), true) = (&x.xext, x.dpms_was_on) {
                            (e.DPMSEnable)(x.dpy);
                        }
                        (x.xlib.XCloseDisplay)(x.dpy);
                    }
                }
            }
        }
    }
}

#[cfg(windows)]
mod windows {
    use std::sync::mpsc;

    use windows_sys::Win32::System::Power::{
        SetThreadExecutionState, ES_CONTINUOUS, ES_DISPLAY_REQUIRED, ES_SYSTEM_REQUIRED,
    };

    pub fn start() -> Option<mpsc::Sender<()>> {
        let (tx, rx) = mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("wall-inhibit".into())
            .spawn(move || {
                // SAFETY: a plain Win32 call with flags only.
                let ok = unsafe {
                    SetThreadExecutionState(
                        ES_CONTINUOUS | ES_DISPLAY_REQUIRED | ES_SYSTEM_REQUIRED,
                    )
                };
                if ok == 0 {
                    tracing::warn!("wall: SetThreadExecutionState failed");
                } else {
                    tracing::info!("wall: display and sleep inhibited (SetThreadExecutionState)");
                }
                // Until the inhibition is dropped (or the app ends).
                let _ = rx.recv();
                // SAFETY: as above.
                unsafe { SetThreadExecutionState(ES_CONTINUOUS) };
            })
            .ok()?;
        Some(tx)
    }
}
