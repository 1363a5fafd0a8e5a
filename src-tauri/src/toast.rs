//! Windows toasts: the XML (built, and tested, on every platform) and showing it (Windows only).
//!
//! notify-rust's toast backend (tauri-winrt-notification) cannot give a toast a `launch` link with
//! protocol activation, so a click in the notification centre once the app had been restarted
//! could not reach the alert. The toast is therefore built here: a click on its body, or on
//! "Open alert", is a *protocol* activation of the alert's `watchdesk://` link. Windows starts the
//! link's registered handler (the app; the installer registers the scheme), and the
//! single-instance plugin hands it to the running app if there is one: the same path as
//! `xdg-open watchdesk://…` on Linux, whether the app ran all along, was restarted or had quit.
//! "Acknowledge 1 h" is a *foreground* activation, received in-process (`Activated`) while the app
//! that showed the toast runs; it is never a link, since any web page could open a link and so
//! silence an alarm.
// Shown on Windows only; the XML is built and tested everywhere.
#![cfg_attr(not(windows), allow(dead_code))]

use watchdesk::notify::Notification;
use watchdesk::severity::Severity;

/// The `arguments` of the "Acknowledge 1 h" button (a foreground activation).
pub const ACK_ARGUMENT: &str = "watchdesk-acknowledge";

/// Text for an XML attribute or element: markup escaped, and the characters XML 1.0 forbids
/// (most C0 controls, U+FFFE, U+FFFF) replaced, since one of them in an alert's text would make
/// `LoadXml` refuse the whole toast and the operator would get no notification at all.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The toast for one notification the desk decided on. A critical alert stays on screen until
/// dismissed (the "reminder" scenario); `sound` false makes it silent (the operator's choice of
/// which severities sound), true plays the reminder sound for a critical alert and the system's
/// default otherwise.
pub fn xml(n: &Notification, sound: bool) -> String {
    let critical = n.severity == Severity::Critical;
    let link = text(&n.link);
    let mut toast = String::from("<toast");
    if !n.link.is_empty() {
        toast.push_str(&format!(r#" activationType="protocol" launch="{link}""#));
    }
    if critical {
        toast.push_str(r#" scenario="reminder""#);
    }
    toast.push_str(&format!(
        r#"><visual><binding template="ToastGeneric"><text>{}</text><text>{}</text></binding></visual>"#,
        text(&n.title),
        text(&n.body)
    ));
    let mut actions = String::new();
    if !n.link.is_empty() {
        actions.push_str(&format!(
            r#"<action content="Open alert" activationType="protocol" arguments="{link}"/>"#
        ));
    }
    if n.can_acknowledge() {
        actions.push_str(&format!(
            r#"<action content="Acknowledge 1 h" activationType="foreground" arguments="{ACK_ARGUMENT}"/>"#
        ));
    }
    if !actions.is_empty() {
        toast.push_str(&format!("<actions>{actions}</actions>"));
    }
    if !sound {
        toast.push_str(r#"<audio silent="true"/>"#);
    } else if critical {
        toast.push_str(r#"<audio src="ms-winsoundevent:Notification.Reminder"/>"#);
    }
    toast.push_str("</toast>");
    toast
}

/// Shows a toast under `app_id` (an AppUserModelID). `on_ack` runs when its "Acknowledge 1 h"
/// button is clicked while this process runs. The most recent toasts are kept referenced, since a
/// toast whose object was released no longer reports its activations to this process.
#[cfg(windows)]
pub fn show(
    app_id: &str,
    xml: &str,
    on_ack: impl Fn() + Send + 'static,
) -> windows::core::Result<()> {
    use std::collections::VecDeque;
    use std::sync::Mutex;
    use windows::core::{IInspectable, Interface, HSTRING};
    use windows::Data::Xml::Dom::XmlDocument;
    use windows::Foundation::TypedEventHandler;
    use windows::UI::Notifications::{
        ToastActivatedEventArgs, ToastNotification, ToastNotificationManager,
    };

    /// Enough for every alert of a long shift; the oldest toasts' buttons stop working first.
    const KEPT: usize = 200;
    static SHOWN: Mutex<VecDeque<ToastNotification>> = Mutex::new(VecDeque::new());

    let doc = XmlDocument::new()?;
    doc.LoadXml(&HSTRING::from(xml))?;
    let toast = ToastNotification::CreateToastNotification(&doc)?;
    toast.Activated(&TypedEventHandler::<ToastNotification, IInspectable>::new(
        move |_, args| {
            let arguments = args
                .as_ref()
                .and_then(|a| a.cast::<ToastActivatedEventArgs>().ok())
                .and_then(|a| a.Arguments().ok())
                .map(|s| s.to_string_lossy())
                .unwrap_or_default();
            // A click on the body or "Open alert" is the link's protocol activation: the
            // deep-link plugin opens it, not this handler.
            if arguments == ACK_ARGUMENT {
                on_ack();
            }
            Ok(())
        },
    ))?;
    ToastNotificationManager::CreateToastNotifierWithId(&HSTRING::from(app_id))?.Show(&toast)?;
    if let Ok(mut shown) = SHOWN.lock() {
        shown.push_back(toast);
        while shown.len() > KEPT {
            shown.pop_front();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use watchdesk::notify::NoteKind;

    fn note(kind: NoteKind, severity: Severity, text: &str, link: &str) -> Notification {
        Notification {
            kind,
            source: "prod".into(),
            fingerprint: "a1b2".into(),
            alertname: text.into(),
            severity,
            title: format!("CRITICAL {text}"),
            summary: text.into(),
            body: text.into(),
            link: link.into(),
        }
    }

    /// Every element balanced, every attribute quoted: what `LoadXml` needs.
    fn well_formed(xml: &str) -> Vec<String> {
        use quick_xml::events::Event;
        let mut reader = quick_xml::Reader::from_str(xml);
        let mut elements = Vec::new();
        loop {
            match reader.read_event() {
                Ok(Event::Eof) => break,
                Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                    for a in e.attributes() {
                        a.unwrap_or_else(|e| panic!("bad attribute ({e}) in {xml}"));
                    }
                    elements.push(e.name().into_inner().to_string());
                }
                Ok(_) => {}
                Err(e) => panic!("not well-formed XML ({e}): {xml}"),
            }
        }
        elements
    }

    /// Regression: a Windows toast had no `launch` link (notify-rust cannot set one), so a click in
    /// the notification centre after a restart opened the app on its last view, not on the alert.
    #[test]
    fn windows_toasts_could_not_open_their_alert_after_a_restart() {
        let link = "watchdesk://alert/prod/a1b2";
        let n = note(NoteKind::Alert, Severity::Critical, "StreamDown", link);
        let x = xml(&n, true);
        assert!(
            x.starts_with(&format!(
                r#"<toast activationType="protocol" launch="{link}" scenario="reminder">"#
            )),
            "{x}"
        );
        assert!(
            x.contains(&format!(
                r#"<action content="Open alert" activationType="protocol" arguments="{link}"/>"#
            )),
            "{x}"
        );
        assert!(
            x.contains(&format!(
                r#"<action content="Acknowledge 1 h" activationType="foreground" arguments="{ACK_ARGUMENT}"/>"#
            )),
            "{x}"
        );
        assert!(x.contains("Notification.Reminder"), "{x}");
        let elements = well_formed(&x);
        assert_eq!(elements.iter().filter(|e| *e == "text").count(), 2);

        // A resolved notice: no acknowledgement, and silent when its severity does not sound.
        let r = xml(
            &note(NoteKind::Resolved, Severity::Warning, "x", link),
            false,
        );
        assert!(
            !r.contains(ACK_ARGUMENT) && r.contains(r#"<audio silent="true"/>"#),
            "{r}"
        );
        assert!(!r.contains("scenario"), "{r}");
        well_formed(&r);
    }

    /// Alert text comes from servers anyone can write to: it is text in the toast, never markup,
    /// and a control character in it must not make Windows refuse the toast.
    #[test]
    fn hostile_alert_text_stays_text_in_a_windows_toast() {
        let evil = "<img src=x onerror=alert(1)>\" & '</text><script>\u{1b}[31m\u{0}\u{7}\u{FFFF}";
        let link = "watchdesk://alert/pr%22od/a%3Cb";
        let x = xml(&note(NoteKind::Alert, Severity::Warning, evil, link), true);
        assert_eq!(well_formed(&x).iter().filter(|e| *e == "script").count(), 0);
        assert!(!x.contains("<img") && !x.contains("<script"), "{x}");
        assert!(x.contains("&lt;img src=x onerror=alert(1)&gt;&quot; &amp; &apos;&lt;/text&gt;"));
        let forbidden = |c: char| {
            ((c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
                || c == '\u{FFFE}'
                || c == '\u{FFFF}'
        };
        assert!(!x.chars().any(forbidden), "{x:?}");
        assert!(x.contains("\u{FFFD}[31m"), "{x}");
    }
}
