//! 주문: every member's orders as a table an admin works through. Filters
//! (group-buy, status, community, a period in Korean dates with quick
//! presets, the member's handle or name), sortable time and amount columns,
//! a "more" button that follows the server's cursor, and the totals of
//! everything the filter matches (건수, 수량, 금액, 결제 완료 금액). A row
//! opens the order: its history in Korean time and the two actions on it
//! (발송 완료 처리, 환불), each asking for a reason first. 엑셀 내보내기
//! saves what the filter matches through the system's save dialog and
//! shows where the export stands until the file is written.
//!
//! The filter is built from what was typed by [`FilterInputs::filter`], a
//! plain function (tested below), so a half-typed date never reaches the
//! server.

use std::path::{Path, PathBuf};
use std::time::Duration;

use dioxus::prelude::*;
use moa_client_core::protocol::kst::{self, DAY_MS};
use moa_client_core::protocol::{
    AdminOrder, CampaignStatus, OrderFilter, OrderSort, OrderStatus, OrderTotals,
};
use moa_client_core::{Error, ExportProgress, ExportedOrders};

use super::{ReasonAction, ReasonForm};
use crate::i18n::{Arg, Lang, kst_datetime};
use crate::state::{use_client, use_notices, use_prefs};
use crate::ui::shop::{order_status_class, order_status_key, won};
use crate::ui::{Empty, Failed, Loading};

/// Rows per page of the table.
const PAGE: u32 = 30;

/// What the admin typed and picked above the table.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FilterInputs {
    /// A campaign id, or empty for every group-buy.
    pub campaign_id: String,
    /// An [`OrderStatus`] spelling, or empty.
    pub status: String,
    /// A community id, or empty.
    pub community_id: String,
    /// `YYYY-MM-DD` (Korean), or empty.
    pub from: String,
    pub to: String,
    /// Part of the member's handle or name.
    pub q: String,
    pub sort: OrderSort,
}

/// Why the typed period cannot filter yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateProblem {
    BadFrom,
    BadTo,
    /// The last day is before the first.
    Reversed,
}

impl DateProblem {
    fn key(self) -> &'static str {
        match self {
            DateProblem::BadFrom | DateProblem::BadTo => "bo-date-invalid",
            DateProblem::Reversed => "bo-date-reversed",
        }
    }
}

impl FilterInputs {
    /// The filter the server is asked for; blank fields narrow nothing.
    pub fn filter(&self) -> Result<OrderFilter, DateProblem> {
        let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let from = text(&self.from);
        let to = text(&self.to);
        let from_day = match &from {
            Some(d) => Some(kst::parse_date(d).ok_or(DateProblem::BadFrom)?),
            None => None,
        };
        let to_day = match &to {
            Some(d) => Some(kst::parse_date(d).ok_or(DateProblem::BadTo)?),
            None => None,
        };
        if let (Some(f), Some(t)) = (from_day, to_day)
            && t < f
        {
            return Err(DateProblem::Reversed);
        }
        Ok(OrderFilter {
            campaign_id: text(&self.campaign_id),
            status: OrderStatus::parse(self.status.trim()),
            community_id: text(&self.community_id),
            from,
            to,
            q: text(&self.q),
            sort: (self.sort != OrderSort::Newest).then_some(self.sort),
        })
    }

    /// Whether anything narrows the table (for the empty state's words).
    pub fn narrowed(&self) -> bool {
        let blank = FilterInputs {
            sort: self.sort,
            ..FilterInputs::default()
        };
        *self != blank
    }
}

/// The quick periods beside the date fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Today,
    Week,
    Month,
    All,
}

impl Period {
    pub const ALL: [Period; 4] = [Period::Today, Period::Week, Period::Month, Period::All];

    /// The Korean dates (from, to) of this period as of `now_ms`.
    pub fn range(self, now_ms: i64) -> (String, String) {
        let today = kst::date_of(now_ms);
        match self {
            Period::Today => (today.clone(), today),
            Period::Week => (kst::date_of(now_ms - 6 * DAY_MS), today),
            Period::Month => (kst::date_of(now_ms - 29 * DAY_MS), today),
            Period::All => (String::new(), String::new()),
        }
    }

    fn key(self) -> &'static str {
        match self {
            Period::Today => "bo-period-today",
            Period::Week => "bo-period-week",
            Period::Month => "bo-period-month",
            Period::All => "bo-period-all",
        }
    }
}

/// A sortable column of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortColumn {
    Time,
    Amount,
}

/// The sort after a click on `column`'s header: the column's natural
/// order first (newest, largest), the other way on a second click.
pub fn toggle_sort(current: OrderSort, column: SortColumn) -> OrderSort {
    match (column, current) {
        (SortColumn::Time, OrderSort::Newest) => OrderSort::Oldest,
        (SortColumn::Time, _) => OrderSort::Newest,
        (SortColumn::Amount, OrderSort::AmountDesc) => OrderSort::AmountAsc,
        (SortColumn::Amount, _) => OrderSort::AmountDesc,
    }
}

/// The arrow a header shows for the current sort.
fn sort_arrow(current: OrderSort, column: SortColumn) -> &'static str {
    match (column, current) {
        (SortColumn::Time, OrderSort::Newest) | (SortColumn::Amount, OrderSort::AmountDesc) => " ↓",
        (SortColumn::Time, OrderSort::Oldest) | (SortColumn::Amount, OrderSort::AmountAsc) => " ↑",
        _ => "",
    }
}

/// The export's default file name: `moa-orders-YYYYMMDD.xlsx`, the Korean
/// date of `now_ms`.
pub fn export_file_name(now_ms: i64) -> String {
    format!("moa-orders-{}.xlsx", kst::date_of(now_ms).replace('-', ""))
}

/// The path the save dialog gave, with `.xlsx` added when it has none.
pub fn with_xlsx(path: PathBuf) -> PathBuf {
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
    {
        return path;
    }
    let mut name = path.into_os_string();
    name.push(".xlsx");
    PathBuf::from(name)
}

/// "12.4 KB", "1.2 MB".
pub fn file_size(bytes: u64) -> String {
    match bytes {
        0..1_000 => format!("{bytes} B"),
        1_000..1_000_000 => format!("{:.1} KB", bytes as f64 / 1_000.0),
        _ => format!("{:.1} MB", bytes as f64 / 1_000_000.0),
    }
}

/// Rows loaded after the first page, for the filter they were loaded for.
#[derive(Debug, Clone, PartialEq)]
struct More {
    key: (OrderFilter, u32),
    rows: Vec<AdminOrder>,
    cursor: Option<String>,
}

/// Where an export stands.
#[derive(Debug, Clone, PartialEq)]
pub enum ExportState {
    Idle,
    Choosing,
    Running(ExportProgress),
    Done(ExportedOrders),
    Failed(Error),
}

/// 주문: the filters, the totals, the table, a row's order.
#[component]
pub fn OrdersTab() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let notices = use_notices();
    let mut inputs = use_signal(FilterInputs::default);
    let mut refresh = use_signal(|| 0u32);
    let mut more = use_signal(|| None::<More>);
    let mut loading_more = use_signal(|| false);
    let mut open = use_signal(|| None::<String>);
    let mut export = use_signal(|| ExportState::Idle);
    let page = use_resource(move || {
        let typed = inputs.read().clone();
        let _ = refresh.read();
        async move {
            let filter = typed.filter().map_err(|p| Error::Invalid {
                field: "date".into(),
                reason: p.key().into(),
            })?;
            if filter.q.is_some() {
                // Typing a name: wait for a pause before asking.
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            client.get().admin().orders(&filter, None, Some(PAGE)).await
        }
    });
    let lang = prefs.lang();
    let typed = inputs.read().clone();
    let built = typed.filter();
    let mut load_more = move |cursor: String| {
        let Ok(filter) = inputs.peek().filter() else {
            return;
        };
        let key = (filter.clone(), *refresh.peek());
        loading_more.set(true);
        spawn(async move {
            let result = client
                .get()
                .admin()
                .orders(&filter, Some(cursor), Some(PAGE))
                .await;
            loading_more.set(false);
            match result {
                Ok(next) => {
                    let mut slot = more.write();
                    match slot.as_mut().filter(|m| m.key == key) {
                        Some(m) => {
                            m.rows.extend(next.items);
                            m.cursor = next.next_cursor;
                        }
                        None => {
                            *slot = Some(More {
                                key,
                                rows: next.items,
                                cursor: next.next_cursor,
                            })
                        }
                    }
                }
                Err(e) => notices.fail(&e),
            }
        });
    };
    let start_export = move |_| {
        let Ok(filter) = inputs.peek().filter() else {
            return;
        };
        if matches!(
            *export.peek(),
            ExportState::Choosing | ExportState::Running(_)
        ) {
            return;
        }
        export.set(ExportState::Choosing);
        let parent = try_consume_context::<dioxus::desktop::DesktopContext>();
        spawn(async move {
            let mut dialog = rfd::AsyncFileDialog::new()
                .set_title(prefs.t("bo-export-dialog"))
                .set_file_name(export_file_name(crate::ui::now_ms()))
                .add_filter("Excel", &["xlsx"]);
            if let Some(desktop) = &parent {
                dialog = dialog.set_parent(&*desktop.window);
            }
            let Some(file) = dialog.save_file().await else {
                export.set(ExportState::Idle);
                return;
            };
            let path = with_xlsx(file.path().to_owned());
            export.set(ExportState::Running(ExportProgress::Counting));
            let result = client
                .get()
                .admin()
                .export_orders(&filter, &path, move |p| {
                    let mut state = export;
                    state.set(ExportState::Running(p));
                })
                .await;
            export.set(match result {
                Ok(done) => ExportState::Done(done),
                Err(e) => ExportState::Failed(e),
            });
        });
    };
    let sort = typed.sort;
    let mut header_click = move |column: SortColumn| {
        let next = toggle_sort(inputs.peek().sort, column);
        inputs.write().sort = next;
    };
    let exporting = matches!(
        *export.read(),
        ExportState::Choosing | ExportState::Running(_)
    );
    rsx! {
        Filters { inputs: typed.clone(), on_change: move |next: FilterInputs| inputs.set(next) }
        if let Err(problem) = built {
            p { class: "form-error", role: "alert", {prefs.t(problem.key())} }
        }
        div { class: "bo-toolbar",
            match &*page.read() {
                Some(Ok(first)) => rsx! { Totals { totals: first.totals } },
                _ => rsx! { span { class: "spacer" } },
            }
            button { class: "btn", disabled: exporting || built.is_err(), onclick: start_export,
                "⤓ " {prefs.t("bo-export")}
            }
        }
        if *export.read() != ExportState::Idle {
            ExportCard { state: export.read().clone(), on_close: move |_| export.set(ExportState::Idle) }
        }
        match &*page.read() {
            None => rsx! { Loading {} },
            Some(Err(Error::Invalid { .. })) => rsx! { Empty { title: prefs.t("bo-orders-check-dates") } },
            Some(Err(e)) => rsx! { Failed { error: e.clone(), retry: move |_| refresh += 1 } },
            Some(Ok(first)) => {
                let key = built.clone().ok().map(|f| (f, *refresh.peek()));
                let extra = more.read().clone().filter(|m| Some(&m.key) == key.as_ref());
                let cursor = match &extra {
                    Some(m) => m.cursor.clone(),
                    None => first.next_cursor.clone(),
                };
                let mut rows = first.items.clone();
                if let Some(m) = extra {
                    rows.extend(m.rows);
                }
                if rows.is_empty() {
                    if typed.narrowed() {
                        rsx! { Empty { title: prefs.t("bo-orders-none-match"), hint: prefs.t("bo-orders-none-match-hint") } }
                    } else {
                        rsx! { Empty { title: prefs.t("bo-orders-empty"), hint: prefs.t("bo-orders-empty-hint") } }
                    }
                } else {
                    rsx! {
                        div { class: "card table-card",
                            table { class: "table orders-table",
                                thead { tr {
                                    th { class: "sortable", onclick: move |_| header_click(SortColumn::Time),
                                        {prefs.t("bo-col-ordered")} {sort_arrow(sort, SortColumn::Time)} }
                                    th { {prefs.t("admin-member")} }
                                    th { {prefs.t("bo-col-campaign")} }
                                    th { class: "num", {prefs.t("order-quantity")} }
                                    th { class: "num sortable", onclick: move |_| header_click(SortColumn::Amount),
                                        {prefs.t("bo-col-amount")} {sort_arrow(sort, SortColumn::Amount)} }
                                    th { {prefs.t("admin-status")} }
                                } }
                                tbody {
                                    for row in rows {
                                        OrderRow { key: "{row.order.id}", row: row.clone(), on_open: move |id| open.set(Some(id)) }
                                    }
                                }
                            }
                        }
                        if let Some(cursor) = cursor {
                            div { class: "center",
                                button { class: "btn", disabled: *loading_more.read(),
                                    onclick: move |_| load_more(cursor.clone()),
                                    if *loading_more.read() { {prefs.t("state-loading")} } else { {prefs.t("search-more")} }
                                }
                            }
                        } else {
                            p { class: "muted small center", {prefs.t("bo-orders-end")} }
                        }
                    }
                }
            }
        }
        if let Some(id) = open.read().clone() {
            OrderDetail { key: "{id}", id, lang, on_close: move |_| open.set(None), on_changed: move |_| refresh += 1 }
        }
    }
}

/// The filters above the table.
#[component]
fn Filters(inputs: FilterInputs, on_change: EventHandler<FilterInputs>) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let campaigns = use_resource(move || async move {
        let admin = client.get().admin();
        let mut all = admin.campaigns(CampaignStatus::Open, None).await?.items;
        all.extend(
            admin
                .campaigns(CampaignStatus::Succeeded, None)
                .await?
                .items,
        );
        Ok::<_, Error>(all)
    });
    let communities =
        use_resource(move || async move { client.get().shop().communities("").await });
    let now = crate::ui::now_ms();
    let current = inputs.clone();
    let change = move |edit: &dyn Fn(&mut FilterInputs)| {
        let mut next = inputs.clone();
        edit(&mut next);
        on_change.call(next);
    };
    rsx! {
        div { class: "filters bo-filters",
            select { name: "campaign", title: prefs.t("bo-col-campaign"),
                onchange: { let change = change.clone(); move |e: FormEvent| change(&|f| f.campaign_id = e.value()) },
                option { value: "", {prefs.t("bo-all-campaigns")} }
                if let Some(Ok(list)) = &*campaigns.read() {
                    for c in list.clone() {
                        option { key: "{c.id}", value: "{c.id}", selected: c.id == current.campaign_id, "{c.title}" }
                    }
                }
            }
            select { name: "status", title: prefs.t("admin-status"),
                onchange: { let change = change.clone(); move |e: FormEvent| change(&|f| f.status = e.value()) },
                option { value: "", {prefs.t("bo-all-statuses")} }
                for s in OrderStatus::ALL {
                    option { value: s.as_str(), selected: current.status == s.as_str(), {prefs.t(order_status_key(s))} }
                }
            }
            select { name: "community", title: prefs.t("settings-community"),
                onchange: { let change = change.clone(); move |e: FormEvent| change(&|f| f.community_id = e.value()) },
                option { value: "", {prefs.t("bo-all-communities")} }
                if let Some(Ok(list)) = &*communities.read() {
                    for c in list.clone() {
                        option { key: "{c.id}", value: "{c.id}", selected: c.id == current.community_id, "{c.name}" }
                    }
                }
            }
            // What is typed stays the page's (see `ReasonForm`).
            input { class: "bo-search", name: "member", r#type: "search", placeholder: prefs.t("bo-member-search"),
                oninput: { let change = change.clone(); move |e: FormEvent| change(&|f| f.q = e.value()) } }
        }
        div { class: "filters bo-filters",
            span { class: "muted small", {prefs.t("bo-period")} }
            input { class: "date", name: "from", r#type: "date", value: "{current.from}", title: prefs.t("bo-from"),
                oninput: { let change = change.clone(); move |e: FormEvent| change(&|f| f.from = e.value()) } }
            span { class: "muted", "~" }
            input { class: "date", name: "to", r#type: "date", value: "{current.to}", title: prefs.t("bo-to"),
                oninput: { let change = change.clone(); move |e: FormEvent| change(&|f| f.to = e.value()) } }
            div { class: "segmented",
                for period in Period::ALL {
                    {
                        let (from, to) = period.range(now);
                        let active = current.from == from && current.to == to;
                        let change = change.clone();
                        rsx! {
                            button { class: if active { "seg active" } else { "seg" },
                                onclick: move |_| { let (from, to) = (from.clone(), to.clone()); change(&move |f| { f.from = from.clone(); f.to = to.clone(); }) },
                                {prefs.t(period.key())}
                            }
                        }
                    }
                }
            }
        }
    }
}

/// 건수 · 수량 · 금액 · 결제 완료 금액 of everything the filter matches.
#[component]
fn Totals(totals: OrderTotals) -> Element {
    let prefs = use_prefs();
    let lang = prefs.lang();
    rsx! {
        div { class: "totals", role: "status",
            span { {prefs.t("bo-total-orders")} b { {prefs.ta("bo-count-orders", &[("n", Arg::Num(totals.orders))])} } }
            span { {prefs.t("bo-total-units")} b { {prefs.ta("order-units", &[("n", Arg::Num(totals.units))])} } }
            span { {prefs.t("bo-total-amount")} b { {won(lang, totals.amount_krw)} } }
            span { class: "paid", {prefs.t("bo-total-paid")} b { {won(lang, totals.paid_amount_krw)} } }
        }
    }
}

/// One row of the table.
#[component]
fn OrderRow(row: AdminOrder, on_open: EventHandler<String>) -> Element {
    let prefs = use_prefs();
    let lang = prefs.lang();
    let o = &row.order;
    let id = o.id.clone();
    let choices: Vec<String> = o.choices.iter().map(|c| c.name.clone()).collect();
    rsx! {
        tr { class: "clickable", onclick: move |_| on_open.call(id.clone()),
            td { class: "nowrap small", {kst_datetime(lang, o.created_at)} }
            td {
                b { "{row.member_name}" }
                div { class: "handle", "@{row.member_handle}"
                    if let Some(c) = &row.community_name { " · {c}" }
                }
            }
            td {
                // A link by its title (the whole row opens it too).
                div { class: "ellipsis", a { class: "title-link", "{o.campaign_title}" } }
                if !choices.is_empty() { div { class: "muted small", {choices.join(" · ")} } }
            }
            td { class: "num", "{o.quantity}" }
            td { class: "num nowrap", b { {won(lang, o.amount_krw)} } }
            td { span { class: order_status_class(o.status), {prefs.t(order_status_key(o.status))} } }
        }
    }
}

/// Who did a step of an order's history.
fn actor_key(actor: Option<&str>, member: &str) -> &'static str {
    match actor {
        None => "bo-actor-system",
        Some(a) if a == member => "bo-actor-member",
        Some(_) => "bo-actor-admin",
    }
}

/// One order over the table: what it is, its history, the actions.
#[component]
fn OrderDetail(
    id: String,
    lang: Lang,
    on_close: EventHandler<()>,
    on_changed: EventHandler<()>,
) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let mut version = use_signal(|| 0u32);
    let mut acting = use_signal(|| None::<ReasonAction>);
    let oid = id.clone();
    let data = use_resource(move || {
        let id = oid.clone();
        let _ = version.read();
        async move { client.get().admin().order(&id).await }
    });
    let body = match &*data.read() {
        None => rsx! { Loading {} },
        Some(Err(e)) => rsx! { Failed { error: e.clone(), retry: move |_| version += 1 } },
        Some(Ok(row)) => {
            let o = row.order.clone();
            // Fulfilling needs a confirmed order (its group-buy succeeded);
            // a refund, a paid one. The server decides, and says why not.
            let can_fulfil = o.status == OrderStatus::Confirmed;
            let can_refund = o.status.is_paid();
            let choices: Vec<String> = o
                .choices
                .iter()
                .map(|c| format!("{} {}", c.group, c.name))
                .collect();
            rsx! {
                div { class: "campaign-title-row",
                    h3 { "{o.campaign_title}" }
                    span { class: order_status_class(o.status), {prefs.t(order_status_key(o.status))} }
                }
                dl { class: "facts",
                    dt { {prefs.t("admin-member")} }
                    dd { b { "{row.member_name}" } span { class: "handle", " @{row.member_handle}" } }
                    dt { {prefs.t("settings-community")} }
                    dd { {row.community_name.clone().unwrap_or_else(|| prefs.t("community-none"))} }
                    if !choices.is_empty() {
                        dt { {prefs.t("bo-options")} }
                        dd { {choices.join(" · ")} }
                    }
                    dt { {prefs.t("order-quantity")} }
                    dd { {prefs.ta("order-units", &[("n", Arg::Num(o.quantity))])} " × " {won(lang, o.unit_price_krw)} }
                    dt { {prefs.t("order-total")} }
                    dd { strong { {won(lang, o.amount_krw)} } }
                    dt { {prefs.t("bo-col-ordered")} }
                    dd { {kst_datetime(lang, o.created_at)} }
                    if o.status == OrderStatus::PendingPayment {
                        dt { {prefs.t("order-pay-by")} }
                        dd { {kst_datetime(lang, o.expires_at)} }
                    }
                    dt { {prefs.t("order-number")} }
                    dd { code { class: "small", "{o.id}" } }
                }
                h4 { {prefs.t("order-history")} }
                ol { class: "timeline",
                    for (i, event) in o.history.iter().enumerate() {
                        li { key: "{i}", class: if i + 1 == o.history.len() { "current" } else { "" },
                            span { class: "timeline-dot" }
                            div {
                                strong { {prefs.t(order_status_key(event.status))} }
                                span { class: "muted small", " · " {kst_datetime(lang, event.at)} " · " {prefs.t(actor_key(event.actor_id.as_deref(), &o.user_id))} }
                                if !event.note.is_empty() { p { class: "muted small", "{event.note}" } }
                            }
                        }
                    }
                }
                if let Some(action) = *acting.read() {
                    ReasonForm { action, id: o.id.clone(),
                        on_done: move |_| { acting.set(None); version += 1; on_changed.call(()) },
                        on_cancel: move |_| acting.set(None) }
                } else if can_fulfil || can_refund {
                    div { class: "row-actions",
                        if can_fulfil {
                            button { class: "btn primary", onclick: move |_| acting.set(Some(ReasonAction::FulfilOrder)), "📦 " {prefs.t("bo-fulfil")} }
                        }
                        if can_refund {
                            button { class: "btn danger", onclick: move |_| acting.set(Some(ReasonAction::RefundOrder)), {prefs.t("bo-refund")} }
                        }
                    }
                } else {
                    p { class: "muted small", {prefs.t("bo-no-actions")} }
                }
            }
        }
    };
    rsx! {
        div { class: "dialog-backdrop", onclick: move |_| on_close.call(()),
            div { class: "dialog wide", role: "dialog", onclick: move |e| e.stop_propagation(),
                div { class: "dialog-head",
                    span { class: "muted small", {prefs.t("bo-order")} }
                    button { class: "icon-btn", title: prefs.t("action-close"), onclick: move |_| on_close.call(()), "×" }
                }
                {body}
            }
        }
    }
}

/// Where the export stands, and then where the file went.
#[component]
fn ExportCard(state: ExportState, on_close: EventHandler<()>) -> Element {
    let prefs = use_prefs();
    let (percent, words) = match &state {
        ExportState::Idle | ExportState::Choosing => (0, prefs.t("bo-export-choosing")),
        ExportState::Running(ExportProgress::Counting) => (10, prefs.t("bo-export-counting")),
        ExportState::Running(ExportProgress::Building { orders }) => (
            45,
            prefs.ta("bo-export-building", &[("n", Arg::Num(*orders))]),
        ),
        ExportState::Running(ExportProgress::Saving { bytes }) => (
            85,
            prefs.ta("bo-export-saving", &[("size", Arg::Str(file_size(*bytes)))]),
        ),
        ExportState::Done(done) => (
            100,
            prefs.ta(
                "bo-export-done",
                &[
                    ("n", Arg::Num(done.orders)),
                    ("path", Arg::Str(done.path.display().to_string())),
                ],
            ),
        ),
        ExportState::Failed(_) => (0, String::new()),
    };
    let finished = matches!(state, ExportState::Done(_) | ExportState::Failed(_));
    let folder = match &state {
        ExportState::Done(done) => done.path.parent().map(Path::to_path_buf),
        _ => None,
    };
    rsx! {
        div { class: "card export-card", role: "status",
            div { class: "report-head",
                b { "⤓ " {prefs.t("bo-export")} }
                span { class: "spacer" }
                if finished {
                    button { class: "icon-btn", title: prefs.t("action-close"), onclick: move |_| on_close.call(()), "×" }
                }
            }
            if let ExportState::Failed(e) = &state {
                p { class: "form-error", role: "alert", {prefs.ta("bo-export-failed", &[("reason", Arg::Str(super::refusal(prefs.lang(), e)))])} }
            } else {
                div { class: "meter", role: "progressbar", aria_valuenow: "{percent}",
                    div { class: if percent == 100 { "fill done" } else { "fill" }, style: "width:{percent}%" }
                }
                p { class: if percent == 100 { "good-text export-words" } else { "export-words" }, "{words}" }
                if let Some(folder) = folder {
                    button { class: "btn", onclick: move |_| reveal(&folder), {prefs.t("bo-export-open-folder")} }
                }
            }
        }
    }
}

/// Opens a folder in the system's file manager.
pub fn reveal(folder: &Path) {
    let program = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(target_os = "windows") {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(program).arg(folder).spawn() {
        tracing::warn!("cannot open {}: {e}", folder.display());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_filters_become_the_servers_filter() {
        let typed = FilterInputs {
            campaign_id: " c1 ".into(),
            status: "refund_pending".into(),
            from: "2026-12-01".into(),
            to: "2026-12-03".into(),
            q: "  ".into(),
            sort: OrderSort::AmountDesc,
            ..FilterInputs::default()
        };
        assert_eq!(
            typed.filter(),
            Ok(OrderFilter {
                campaign_id: Some("c1".into()),
                status: Some(OrderStatus::RefundPending),
                community_id: None,
                from: Some("2026-12-01".into()),
                to: Some("2026-12-03".into()),
                q: None,
                sort: Some(OrderSort::AmountDesc),
            })
        );
        assert_eq!(FilterInputs::default().filter(), Ok(OrderFilter::default()));
        assert!(!FilterInputs::default().narrowed());
        assert!(typed.narrowed());
        let half = FilterInputs {
            from: "2026-12-3".into(),
            ..FilterInputs::default()
        };
        assert_eq!(half.filter(), Err(DateProblem::BadFrom));
        let reversed = FilterInputs {
            from: "2026-12-03".into(),
            to: "2026-12-01".into(),
            ..FilterInputs::default()
        };
        assert_eq!(reversed.filter(), Err(DateProblem::Reversed));
        let one_day = FilterInputs {
            from: "2026-12-03".into(),
            to: "2026-12-03".into(),
            ..FilterInputs::default()
        };
        assert!(one_day.filter().is_ok());
    }

    #[test]
    fn periods_are_korean_days_ending_today() {
        // 2026-12-02 16:00 UTC is already 12-03 01:00 in Seoul.
        let now = kst::parse_date("2026-12-03").unwrap_or_default() + 3_600_000;
        assert_eq!(
            Period::Today.range(now),
            ("2026-12-03".into(), "2026-12-03".into())
        );
        assert_eq!(
            Period::Week.range(now),
            ("2026-11-27".into(), "2026-12-03".into())
        );
        assert_eq!(Period::Month.range(now).0, "2026-11-04");
        assert_eq!(Period::All.range(now), (String::new(), String::new()));
    }

    #[test]
    fn headers_toggle_their_sort() {
        assert_eq!(
            toggle_sort(OrderSort::Newest, SortColumn::Time),
            OrderSort::Oldest
        );
        assert_eq!(
            toggle_sort(OrderSort::Oldest, SortColumn::Time),
            OrderSort::Newest
        );
        assert_eq!(
            toggle_sort(OrderSort::Newest, SortColumn::Amount),
            OrderSort::AmountDesc
        );
        assert_eq!(
            toggle_sort(OrderSort::AmountDesc, SortColumn::Amount),
            OrderSort::AmountAsc
        );
        assert_eq!(
            toggle_sort(OrderSort::AmountAsc, SortColumn::Time),
            OrderSort::Newest
        );
        assert_eq!(sort_arrow(OrderSort::AmountAsc, SortColumn::Amount), " ↑");
        assert_eq!(sort_arrow(OrderSort::AmountAsc, SortColumn::Time), "");
    }

    #[test]
    fn the_export_file_is_named_by_the_korean_date_and_is_xlsx() {
        let late = kst::parse_date("2026-12-04").unwrap_or_default() - 60_000;
        assert_eq!(export_file_name(late), "moa-orders-20261203.xlsx");
        assert_eq!(
            with_xlsx(PathBuf::from("/tmp/주문")),
            PathBuf::from("/tmp/주문.xlsx")
        );
        assert_eq!(
            with_xlsx(PathBuf::from("/tmp/a.XLSX")),
            PathBuf::from("/tmp/a.XLSX")
        );
        assert_eq!(
            with_xlsx(PathBuf::from("/tmp/a.csv")),
            PathBuf::from("/tmp/a.csv.xlsx")
        );
        assert_eq!(file_size(999), "999 B");
        assert_eq!(file_size(12_400), "12.4 KB");
        assert_eq!(file_size(1_260_000), "1.3 MB");
    }

    #[test]
    fn history_steps_say_who() {
        assert_eq!(actor_key(None, "m"), "bo-actor-system");
        assert_eq!(actor_key(Some("m"), "m"), "bo-actor-member");
        assert_eq!(actor_key(Some("a"), "m"), "bo-actor-admin");
    }
}
