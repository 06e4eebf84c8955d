//! Form fields that show their own errors: each names the spec field it edits (`routes[0].host`), finds the
//! errors on that field in the current list, and shows them under the input, linked for screen readers.

use leptos::prelude::*;
use np_spec::FieldError;

/// The errors on exactly `field`.
pub fn errors_on(errors: &[FieldError], field: &str) -> Vec<String> {
    errors
        .iter()
        .filter(|e| e.field == field)
        .map(|e| e.message.clone())
        .collect()
}

/// An id usable in HTML for a field path.
pub fn field_id(field: &str) -> String {
    let id: String = field
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("f-{id}")
}

/// The messages under a field.
#[component]
pub fn FieldMessages(
    #[prop(into)] field: String,
    #[prop(into)] errors: Signal<Vec<FieldError>>,
) -> impl IntoView {
    let id = format!("{}-error", field_id(&field));
    let messages = Memo::new(move |_| errors.with(|e| errors_on(e, &field)));
    view! {
        <Show when=move || !messages.with(Vec::is_empty)>
            <p id=id.clone() class="mt-1 text-xs text-bad" data-field-error="">
                {move || messages.get().join("; ")}
            </p>
        </Show>
    }
}

fn input_class(invalid: bool) -> &'static str {
    if invalid {
        "mt-1 block w-full rounded-md border border-bad bg-bg px-2.5 py-1.5 text-sm outline-none focus:ring-2 focus:ring-bad/40"
    } else {
        "mt-1 block w-full rounded-md border border-line bg-bg px-2.5 py-1.5 text-sm outline-none focus:border-accent focus:ring-2 focus:ring-accent/30"
    }
}

/// A labelled text input bound to a value, with its errors.
#[component]
pub fn TextField(
    #[prop(into)] label: String,
    /// The spec field it edits, for errors and the element id.
    #[prop(into)]
    field: String,
    #[prop(into)] value: Signal<String>,
    #[prop(into)] on_input: Callback<String>,
    #[prop(into)] errors: Signal<Vec<FieldError>>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional, into)] placeholder: Option<String>,
    #[prop(optional)] monospace: bool,
) -> impl IntoView {
    let id = field_id(&field);
    let error_id = format!("{id}-error");
    let key = field.clone();
    let invalid = Memo::new(move |_| errors.with(|e| e.iter().any(|e| e.field == key)));
    let class = move || {
        let base = input_class(invalid.get());
        if monospace {
            format!("{base} font-mono")
        } else {
            base.to_owned()
        }
    };
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium">{label}</label>
            <input
                id=id
                name=field.clone()
                type="text"
                class=class
                placeholder=placeholder
                autocomplete="off"
                spellcheck="false"
                prop:value=move || value.get()
                aria-invalid=move || invalid.get().to_string()
                aria-describedby=error_id
                on:input=move |ev| on_input.run(event_target_value(&ev))
            />
            {hint.map(|h| view! { <p class="mt-1 text-xs text-muted">{h}</p> })}
            <FieldMessages field errors />
        </div>
    }
}

/// A labelled multi-line input.
#[component]
pub fn TextArea(
    #[prop(into)] label: String,
    #[prop(into)] field: String,
    #[prop(into)] value: Signal<String>,
    #[prop(into)] on_input: Callback<String>,
    #[prop(into)] errors: Signal<Vec<FieldError>>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(default = 3)] rows: u32,
) -> impl IntoView {
    let id = field_id(&field);
    let key = field.clone();
    let invalid = Memo::new(move |_| {
        errors.with(|e| {
            e.iter()
                .any(|e| e.field == key || e.field.starts_with(&format!("{key}[")))
        })
    });
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium">{label}</label>
            <textarea
                id=id
                name=field.clone()
                rows=rows
                class=move || format!("{} font-mono", input_class(invalid.get()))
                spellcheck="false"
                prop:value=move || value.get()
                aria-invalid=move || invalid.get().to_string()
                on:input=move |ev| on_input.run(event_target_value(&ev))
            ></textarea>
            {hint.map(|h| view! { <p class="mt-1 text-xs text-muted">{h}</p> })}
            <FieldMessages field errors />
        </div>
    }
}

/// A labelled select.
#[component]
pub fn SelectField(
    #[prop(into)] label: String,
    #[prop(into)] field: String,
    #[prop(into)] value: Signal<String>,
    #[prop(into)] on_change: Callback<String>,
    #[prop(into)] errors: Signal<Vec<FieldError>>,
    /// (value, label) pairs.
    options: Vec<(String, String)>,
) -> impl IntoView {
    let id = field_id(&field);
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium">{label}</label>
            <select
                id=id
                name=field.clone()
                class=input_class(false)
                prop:value=move || value.get()
                on:change=move |ev| on_change.run(event_target_value(&ev))
            >
                {options
                    .into_iter()
                    .map(|(v, l)| {
                        let selected_value = v.clone();
                        view! {
                            <option value=v selected=move || value.get() == selected_value>
                                {l}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <FieldMessages field errors />
        </div>
    }
}

/// A checkbox with its label.
#[component]
pub fn CheckField(
    #[prop(into)] label: String,
    #[prop(into)] field: String,
    #[prop(into)] value: Signal<bool>,
    #[prop(into)] on_change: Callback<bool>,
    #[prop(into)] errors: Signal<Vec<FieldError>>,
) -> impl IntoView {
    let id = field_id(&field);
    view! {
        <div>
            <label class="flex items-center gap-2 text-sm">
                <input
                    id=id
                    name=field.clone()
                    type="checkbox"
                    class="h-4 w-4 rounded border-line accent-accent"
                    prop:checked=move || value.get()
                    on:change=move |ev| on_change.run(event_target_checked(&ev))
                />
                {label}
            </label>
            <FieldMessages field errors />
        </div>
    }
}
