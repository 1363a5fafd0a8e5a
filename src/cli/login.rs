//! `watchdesk login`: reads the secret (a prompt on a terminal, else standard input) and prints
//! what was stored and what the server said. The secret itself is never printed.

use std::io::{IsTerminal, Read};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};

use watchdesk::config::Overrides;
use watchdesk::desk::{Desk, LoginRequest, Verified};
use watchdesk::secrets::{OsKeyring, Role, MAX_SECRET_BYTES};
use watchdesk::text::for_terminal as safe;

pub async fn login(ov: &Overrides, req: &LoginRequest) -> Result<ExitCode> {
    let secret = if req.forget {
        None
    } else {
        Some(read_secret(req)?)
    };
    let r = Desk::login(ov, req, secret.as_deref(), Arc::new(OsKeyring)).await?;
    let what = match r.role {
        Role::Prometheus => "Prometheus",
        Role::Alertmanager => "Alertmanager",
        Role::Loki => "Loki",
    };
    if req.forget {
        if r.removed {
            outln!(
                "removed the secret for {what} {} of source {:?} from the {}",
                safe(&r.url),
                safe(&req.site),
                r.store
            );
        } else {
            outln!(
                "the {} held no secret for {what} {} of source {:?}",
                r.store,
                safe(&r.url),
                safe(&req.site)
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let kind = match &r.username {
        Some(u) => format!("the password of {}", safe(u)),
        None => "the bearer token".into(),
    };
    outln!(
        "stored {kind} for {what} {} of source {:?} in the {} (entry \"{}\")",
        safe(&r.url),
        safe(&req.site),
        r.store,
        safe(&r.account)
    );
    if let Some(h) = &r.config_hint {
        outln!("the config does not refer to it yet; put this in it:");
        for line in h.lines() {
            outln!("{}", safe(line));
        }
    }
    Ok(match r.verified {
        Some(Verified::Accepted) | None => {
            outln!("{what} answered with these credentials");
            ExitCode::SUCCESS
        }
        Some(Verified::NotChecked(e)) => {
            outln!("not checked: {}", safe(&e));
            ExitCode::SUCCESS
        }
        Some(Verified::Refused(e)) => {
            outln!(
                "{}\nthe secret is stored anyway; run watchdesk login again with the right one",
                safe(&e)
            );
            ExitCode::FAILURE
        }
    })
}

fn read_secret(req: &LoginRequest) -> Result<String> {
    if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("Password or token for source {:?}: ", req.site))
            .context("cannot read the secret from the terminal")
    } else {
        let mut buf = String::new();
        std::io::stdin()
            .take(MAX_SECRET_BYTES as u64 + 2)
            .read_to_string(&mut buf)
            .context("cannot read the secret from standard input (is it text?)")?;
        Ok(buf)
    }
}
