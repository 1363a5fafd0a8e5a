//! The notification clock: the engine decides when to notify — on every change of alerts or
//! health, and on a timer, so that "repeat until acknowledged" repeats while nothing changes — and
//! queues them ([`Desk::take_notifications`]); the shell only displays. The mute lives here too.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast::error::RecvError, watch};

use super::{Desk, DeskError, DeskEvent};
use crate::notify::{self, Notification, PipelineLimits, Policy};
use crate::poller::PollEvent;
use crate::time::{now_ms, Millis};

/// How often the clock looks, with nothing changing: often enough that a repeat is at most a
/// quarter of `notify_repeat` late, at least every 15 s (the pipeline checks), never more often
/// than every second.
pub fn clock_tick(repeat_ms: i64) -> Duration {
    let ms = if repeat_ms > 0 { repeat_ms / 4 } else { 15_000 };
    Duration::from_millis(ms.clamp(1_000, 15_000) as u64)
}

impl Desk {
    /// The current notification policy (a copy).
    pub fn policy(&self) -> Policy {
        match self.policy.lock() {
            Ok(p) => p.clone(),
            Err(e) => e.into_inner().clone(),
        }
    }

    /// No notifications for `ms` from now (0: unmute). Kept in the cache: a restart stays muted.
    pub fn mute_for(&self, ms: i64) -> Result<(), DeskError> {
        let until = (ms > 0).then(|| now_ms().saturating_add(ms));
        match self.policy.lock() {
            Ok(mut p) => p.muted_until = until,
            Err(e) => e.into_inner().muted_until = until,
        }
        self.cache.set_muted_until(until)?;
        Ok(())
    }

    /// The notifications due now (alerts and the monitoring pipeline), recorded before they are
    /// returned. A cache that cannot be read or written notifies nothing new (and says so in the log).
    pub fn notifications_due(&self, now: Millis) -> Vec<Notification> {
        let policy = self.policy();
        let mut out = match notify::due(&self.cache, &policy, now) {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!("cannot decide notifications: {e}");
                Vec::new()
            }
        };
        match notify::pipeline_due(
            &self.cache,
            &self.cfg.sites,
            PipelineLimits::from_config(&self.cfg),
            &policy,
            now,
        ) {
            Ok(v) => out.extend(v),
            Err(e) => tracing::warn!("cannot check the monitoring pipeline: {e}"),
        }
        out
    }

    fn notify_now(&self) {
        let notes = self.notifications_due(now_ms());
        if !notes.is_empty() {
            // Only fails when nobody will ever show them (the receiver was dropped).
            let _ = self.notes_tx.send(notes);
        }
    }

    /// Forwards the poller's events and decides notifications on every alerts or health change and
    /// on every tick, until `stop` turns true.
    pub(super) async fn notification_clock(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let mut events = self.poller.subscribe();
        let mut tick = tokio::time::interval(clock_tick(self.policy().critical_repeat_ms));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                ev = events.recv() => {
                    let mut decide = false;
                    let mut handle = |ev: Result<PollEvent, RecvError>| match ev {
                        Ok(PollEvent::MetricsUpdated { site, .. }) => {
                            self.emit(DeskEvent::Data { site });
                            true
                        }
                        Ok(PollEvent::AlertsChanged { site, .. }) => {
                            self.emit(DeskEvent::Alerts { site: Some(site) });
                            decide = true;
                            true
                        }
                        Ok(PollEvent::HealthChanged { .. }) => {
                            self.emit(DeskEvent::Health);
                            decide = true;
                            true
                        }
                        Err(RecvError::Lagged(_)) => {
                            // Too many events at once (an alert storm): refresh everything once.
                            self.emit(DeskEvent::Alerts { site: None });
                            self.emit(DeskEvent::Health);
                            decide = true;
                            true
                        }
                        Err(RecvError::Closed) => false,
                    };
                    if !handle(ev) {
                        break;
                    }
                    // What else arrived meanwhile is one decision, not one per event.
                    while let Ok(more) = events.try_recv() {
                        handle(Ok(more));
                    }
                    if decide {
                        self.notify_now();
                    }
                }
                _ = tick.tick() => self.notify_now(),
                _ = stop.changed() => {
                    if *stop.borrow() {
                        break;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::clock_tick;
    use std::time::Duration;

    #[test]
    fn the_clock_ticks_often_enough_for_the_repeat() {
        assert_eq!(clock_tick(15_000), Duration::from_millis(3_750));
        assert_eq!(clock_tick(300_000), Duration::from_secs(15));
        assert_eq!(clock_tick(0), Duration::from_secs(15));
        assert_eq!(clock_tick(1_000), Duration::from_secs(1));
    }
}
