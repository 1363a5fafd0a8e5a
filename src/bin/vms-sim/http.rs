//! Minimal HTTP/1.1: one request per connection, `Connection: close`.

use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Largest accepted request head.
const MAX_HEAD: usize = 16 * 1024;
/// Largest request body read (and discarded).
const MAX_BODY: usize = 64 * 1024;
/// Time allowed to send a whole request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A parsed request line (headers other than Content-Length are ignored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub content_length: usize,
}

/// Why a request could not be read; each maps to a status code.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HttpError {
    #[error("malformed request: {0}")]
    Malformed(&'static str),
    #[error("request head larger than {MAX_HEAD} bytes")]
    TooLarge,
}

/// Parses a complete request head (up to and including the blank line).
pub fn parse_head(head: &[u8]) -> Result<Request, HttpError> {
    let text = std::str::from_utf8(head).map_err(|_| HttpError::Malformed("head is not UTF-8"))?;
    let mut lines = text.split("\r\n");
    let line = lines.next().ok_or(HttpError::Malformed("empty request"))?;
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(HttpError::Malformed(
            "request line must be `METHOD target HTTP/1.x`",
        ));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(HttpError::Malformed("only HTTP/1.x is supported"));
    }
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(HttpError::Malformed("bad method"));
    }
    // absolute-form (proxies): http://host:port/path?q
    let target = match target.strip_prefix("http://") {
        Some(rest) => rest.find('/').and_then(|i| rest.get(i..)).unwrap_or("/"),
        None => target,
    };
    if !target.starts_with('/') {
        return Err(HttpError::Malformed("request target must start with `/`"));
    }
    let (path, q) = target.split_once('?').unwrap_or((target, ""));
    let query = url::form_urlencoded::parse(q.as_bytes())
        .into_owned()
        .collect();
    let mut content_length = 0;
    for h in lines {
        if let Some((k, v)) = h.split_once(':') {
            if k.trim().eq_ignore_ascii_case("content-length") {
                content_length = v
                    .trim()
                    .parse()
                    .map_err(|_| HttpError::Malformed("bad Content-Length"))?;
            }
        }
    }
    Ok(Request {
        method: method.to_owned(),
        path: path.to_owned(),
        query,
        content_length,
    })
}

/// Reads one request from `stream`; the body (if any, up to 64 KiB) is read and dropped.
pub async fn read_request(stream: &mut TcpStream) -> Result<Request, HttpError> {
    let work = async {
        let mut buf = Vec::with_capacity(1024);
        let mut chunk = [0u8; 2048];
        let end = loop {
            let n = stream
                .read(&mut chunk)
                .await
                .map_err(|_| HttpError::Malformed("connection error"))?;
            if n == 0 {
                return Err(HttpError::Malformed(
                    "connection closed before the end of the head",
                ));
            }
            let from = buf.len().saturating_sub(3);
            buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
            if let Some(i) = buf
                .get(from..)
                .and_then(|b| b.windows(4).position(|w| w == b"\r\n\r\n"))
            {
                break from + i + 4;
            }
            if buf.len() > MAX_HEAD {
                return Err(HttpError::TooLarge);
            }
        };
        let req = parse_head(buf.get(..end).unwrap_or_default())?;
        let mut have = buf.len().saturating_sub(end);
        let want = req.content_length.min(MAX_BODY);
        while have < want {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => have += n,
            }
        }
        Ok(req)
    };
    tokio::time::timeout(READ_TIMEOUT, work)
        .await
        .unwrap_or(Err(HttpError::Malformed("timed out reading the request")))
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        _ => "Unknown",
    }
}

/// Writes a complete response and closes the write side. Errors (client gone) are ignored.
pub async fn respond(
    stream: &mut TcpStream,
    status: u16,
    content_type: &str,
    body: &str,
    head_only: bool,
) {
    let head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        reason(status),
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    if !head_only {
        let _ = stream.write_all(body.as_bytes()).await;
    }
    let _ = stream.shutdown().await;
}

/// Reads a request and answers `Malformed`/`TooLarge` itself; `None` when nothing is left to do.
pub async fn accept_request(stream: &mut TcpStream) -> Option<Request> {
    match read_request(stream).await {
        Ok(r) => Some(r),
        Err(e) => {
            let status = if e == HttpError::TooLarge { 431 } else { 400 };
            respond(
                stream,
                status,
                "text/plain; charset=utf-8",
                &format!("{e}\n"),
                false,
            )
            .await;
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (method, path, query pairs, content length) or an error excerpt.
    type Expect<'a> = Result<(&'a str, &'a str, &'a [(&'a str, &'a str)], usize), &'a str>;

    #[track_caller]
    fn check(head: &str, expect: Expect) {
        let got = parse_head(head.as_bytes());
        match (got, expect) {
            (Ok(r), Ok((m, p, q, cl))) => {
                assert_eq!(r.method, m);
                assert_eq!(r.path, p);
                let q: Vec<(String, String)> = q
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                assert_eq!(r.query, q);
                assert_eq!(r.content_length, cl);
            }
            (Err(e), Err(msg)) => assert!(e.to_string().contains(msg), "{e} lacks {msg}"),
            (got, expect) => panic!("{head:?}: got {got:?}, expected {expect:?}"),
        }
    }

    #[test]
    fn heads() {
        check(
            "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
            Ok(("GET", "/metrics", &[], 0)),
        );
        check(
            "GET /metrics HTTP/1.0\r\n\r\n",
            Ok(("GET", "/metrics", &[], 0)),
        );
        check(
            "POST /scenario/storm?n=50&service=recording-service HTTP/1.1\r\n\r\n",
            Ok((
                "POST",
                "/scenario/storm",
                &[("n", "50"), ("service", "recording-service")],
                0,
            )),
        );
        check(
            "POST /s?x=a%20b+c HTTP/1.1\r\n\r\n",
            Ok(("POST", "/s", &[("x", "a b c")], 0)),
        );
        check(
            "POST /reset HTTP/1.1\r\ncontent-length: 12\r\n\r\n",
            Ok(("POST", "/reset", &[], 12)),
        );
        check(
            "GET http://127.0.0.1:9/metrics HTTP/1.1\r\n\r\n",
            Ok(("GET", "/metrics", &[], 0)),
        );
        check(
            "GET http://127.0.0.1:9 HTTP/1.1\r\n\r\n",
            Ok(("GET", "/", &[], 0)),
        );
        check("GET /metrics\r\n\r\n", Err("request line"));
        check("GET  /metrics HTTP/1.1\r\n\r\n", Err("request line"));
        check("GET /metrics HTTP/2\r\n\r\n", Err("HTTP/1.x"));
        check("get /metrics HTTP/1.1\r\n\r\n", Err("bad method"));
        check("GET metrics HTTP/1.1\r\n\r\n", Err("start with"));
        check(
            "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            Err("Content-Length"),
        );
        check("", Err("request line"));
        assert!(parse_head(b"GET /\xff HTTP/1.1\r\n\r\n").is_err());
    }
}
