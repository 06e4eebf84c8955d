//! Server-sent events in the browser: the app page's live state and log tails.

/// Listens to the event stream at `url` for the named `kinds` of events, calling `on_event(kind, data)` for
/// each, and `on_connection(open)` when the connection opens or drops (the browser reconnects by itself).
/// The stream closes when the calling reactive scope is cleaned up. On the server it does nothing.
pub fn event_source(
    url: &str,
    kinds: &'static [&'static str],
    on_event: impl Fn(&'static str, String) + 'static,
    on_connection: impl Fn(bool) + 'static,
) {
    #[cfg(feature = "hydrate")]
    {
        use std::rc::Rc;
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;

        let Ok(source) = web_sys::EventSource::new(url) else {
            on_connection(false);
            return;
        };
        let on_event = Rc::new(on_event);
        let on_connection = Rc::new(on_connection);
        let mut closures: Vec<Closure<dyn Fn(web_sys::Event)>> = Vec::new();
        for &kind in kinds {
            let on_event = Rc::clone(&on_event);
            let closure = Closure::<dyn Fn(web_sys::Event)>::new(move |e: web_sys::Event| {
                if let Some(data) = e
                    .dyn_ref::<web_sys::MessageEvent>()
                    .and_then(|m| m.data().as_string())
                {
                    on_event(kind, data);
                }
            });
            let _ = source.add_event_listener_with_callback(kind, closure.as_ref().unchecked_ref());
            closures.push(closure);
        }
        for (kind, open) in [("open", true), ("error", false)] {
            let on_connection = Rc::clone(&on_connection);
            let closure = Closure::<dyn Fn(web_sys::Event)>::new(move |_| on_connection(open));
            let _ = source.add_event_listener_with_callback(kind, closure.as_ref().unchecked_ref());
            closures.push(closure);
        }
        let held = send_wrapper::SendWrapper::new((source, closures));
        leptos::prelude::on_cleanup(move || {
            let (source, closures) = held.take();
            source.close();
            drop(closures);
        });
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (url, kinds, on_event, on_connection);
    }
}
