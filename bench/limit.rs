//! The limit a scenario of `bench/run` is measured against: a bare
//! actix-web handler that answers every request with the same bytes from
//! memory (a response Masthead gave for that scenario), with no routing,
//! middleware, database or serialisation. Nothing can answer those bytes
//! faster on this machine with actix-web; `bench/run` prints each scenario
//! as a share of it.
//!
//! `cargo run --release --example limit -- 127.0.0.1:PORT BODY_FILE [CONTENT_TYPE]`

use actix_web::{App, HttpResponse, HttpServer, web};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(bind), Some(file)) = (args.next(), args.next()) else {
        eprintln!("usage: limit ADDRESS BODY_FILE [CONTENT_TYPE]");
        std::process::exit(2);
    };
    let content_type = args.next().unwrap_or_else(|| "application/json".to_owned());
    let body = web::Bytes::from(std::fs::read(file)?);
    HttpServer::new(move || {
        let body = body.clone();
        let content_type = content_type.clone();
        App::new().default_service(web::to(move || {
            let response = HttpResponse::Ok()
                .content_type(content_type.as_str())
                .body(body.clone());
            async move { response }
        }))
    })
    .bind(bind)?
    .run()
    .await
}
