//! Reading a file a person picked or dropped, in the browser (nothing leaves it until they deploy).

/// Reads the file chosen in the `<input type="file">` of `ev`: `done(Ok((name, text)))`, or `Err` with why not.
pub fn picked(ev: &leptos::ev::Event, done: impl Fn(Result<(String, String), String>) + 'static) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let files = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|input| input.files());
        read_first(files, done);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, done);
}

/// Reads the first file dropped by `ev`.
pub fn dropped(
    ev: &leptos::ev::DragEvent,
    done: impl Fn(Result<(String, String), String>) + 'static,
) {
    #[cfg(feature = "hydrate")]
    read_first(ev.data_transfer().and_then(|d| d.files()), done);
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, done);
}

#[cfg(feature = "hydrate")]
fn read_first(
    files: Option<web_sys::FileList>,
    done: impl Fn(Result<(String, String), String>) + 'static,
) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;

    let Some(file) = files.and_then(|f| f.get(0)) else {
        return;
    };
    /// Documents larger than this are refused before they are read (the server takes at most 1 MiB).
    const MAX_BYTES: f64 = 1024.0 * 1024.0;
    let name = file.name();
    if file.size() > MAX_BYTES {
        done(Err(format!(
            "{name} is larger than 1 MiB, the most a deploy takes."
        )));
        return;
    }
    let Ok(reader) = web_sys::FileReader::new() else {
        done(Err("this browser cannot read files".into()));
        return;
    };
    let result = reader.clone();
    let onload = Closure::once(move |_: web_sys::ProgressEvent| {
        match result.result().ok().and_then(|v| v.as_string()) {
            Some(text) => done(Ok((name, text))),
            None => done(Err(format!("{name} could not be read as text."))),
        }
    });
    reader.set_onload(Some(onload.as_ref().unchecked_ref()));
    // The reader calls it once; it is small and lives as long as the page.
    onload.forget();
    if reader.read_as_text(&file).is_err() {
        leptos::logging::warn!("reading a file failed");
    }
}
