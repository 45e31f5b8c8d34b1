//! What the axum tests share: one raw HTTP request on 127.0.0.1.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One request to `path`, `connection: close`: the status and the body.
pub async fn post(port: u16, path: &str, body: &[u8], header: Option<&str>) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let signature = header
        .map(|h| format!("payvost-signature: {h}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n\
         content-length: {}\r\n{signature}connection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // A refused body may be answered before it is all sent: the answer counts.
    let _ = stream.write_all(body).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text[9..12].parse().unwrap();
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}
