//! A real private cluster: initialise, start, find it running, restart on the same port, stop.

use std::net::TcpStream;

use np_pg::{Cluster, ClusterOptions};

fn accepts_connections(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_ok()
}

#[test]
fn a_cluster_starts_is_found_running_and_restarts_with_the_same_address() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = ClusterOptions::new(dir.path().join("data"));
    options.durable = false;

    let first = Cluster::start(&options).unwrap();
    assert!(first.started_here());
    assert!(accepts_connections(first.port()));
    let url = first.url();
    assert!(
        url.starts_with("postgres://np:") && url.ends_with("/np"),
        "{url}"
    );

    let again = Cluster::start(&options).unwrap();
    assert!(
        !again.started_here(),
        "a running cluster is reused, not started twice"
    );
    assert_eq!(again.url(), url);

    first.stop().unwrap();
    assert!(!accepts_connections(first.port()));
    let attached = Cluster::attach(&options).unwrap().unwrap();
    assert!(!attached.is_running());

    let restarted = Cluster::start(&options).unwrap();
    assert!(restarted.started_here());
    assert_eq!(
        restarted.url(),
        url,
        "same password and (free) port after a restart"
    );
    restarted.stop().unwrap();
}

#[test]
fn attaching_to_a_folder_without_a_cluster_finds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        Cluster::attach(&ClusterOptions::new(dir.path()))
            .unwrap()
            .is_none()
    );
    assert!(
        Cluster::attach(&ClusterOptions::new(dir.path().join("missing")))
            .unwrap()
            .is_none()
    );
}
