//! The admin order table as an Excel workbook (`.xlsx`, `rust_xlsxwriter`):
//! Korean headers, amounts in won (`#,##0"원"`), times in Korean time,
//! column widths that fit Hangul (two units a syllable, which the crate's
//! autofit undercounts), a frozen header and the totals below the rows.
//!
//! The rows are read in keyset pages and written by a blocking thread in
//! the crate's constant-memory mode (each row goes to a temporary file as
//! it is written), so 100,000 orders never sit in memory at once.

use moa_protocol::kst::KST_OFFSET_MS;
use moa_protocol::{OrderFilter, OrderStatus, Role};
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, XlsxError};

use crate::actor::Actor;
use crate::error::{Error, Result};
use crate::state::AppState;

use super::admin::{self, TableRow};

/// The workbook's media type.
pub const CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Rows read from the database per page.
pub const PAGE_ROWS: i64 = 1_000;

/// The header, one entry per column.
pub const HEADERS: [&str; 12] = [
    "주문번호",
    "주문일시",
    "공동구매",
    "옵션",
    "수량",
    "단가",
    "금액",
    "상태",
    "회원",
    "아이디",
    "커뮤니티",
    "결제일시",
];

/// An order status as the sheet shows it.
pub fn status_label(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::PendingPayment => "결제 대기",
        OrderStatus::Paid => "결제 완료",
        OrderStatus::Confirmed => "공구 확정",
        OrderStatus::Fulfilled => "발송 완료",
        OrderStatus::Expired => "만료",
        OrderStatus::RefundPending => "환불 중",
        OrderStatus::Refunded => "환불 완료",
    }
}

/// Display width of `text` in Excel's units: East Asian wide characters
/// (Hangul, CJK, full-width forms) take two.
pub fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| {
            let wide = matches!(c as u32,
                0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF
                | 0x4E00..=0x9FFF | 0xA960..=0xA97F | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
                | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6);
            if wide { 2 } else { 1 }
        })
        .sum()
}

fn xlsx(e: XlsxError) -> Error {
    Error::Internal(format!("excel export: {e}"))
}

/// The sheet being written (on the blocking thread).
struct Sheet {
    book: Workbook,
    next_row: u32,
    widths: [usize; HEADERS.len()],
    text: Format,
    count: Format,
    won: Format,
    when: Format,
    total_label: Format,
    total_count: Format,
    total_won: Format,
}

/// A time as Excel shows it: the Korean wall clock.
fn kst_datetime(at_ms: i64) -> std::result::Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_timestamp((at_ms + KST_OFFSET_MS).div_euclid(1000))
}

impl Sheet {
    fn new() -> std::result::Result<Sheet, XlsxError> {
        let mut book = Workbook::new();
        let header = Format::new()
            .set_bold()
            .set_align(FormatAlign::Center)
            .set_background_color(0x00E8_F0FE)
            .set_border_bottom(FormatBorder::Thin);
        let sheet = book.add_worksheet_with_constant_memory()?;
        sheet.set_name("주문")?;
        for (col, title) in HEADERS.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, *title, &header)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        let won = Format::new().set_num_format("#,##0\"원\"");
        Ok(Sheet {
            book,
            next_row: 1,
            widths: HEADERS.map(display_width),
            text: Format::new(),
            count: Format::new().set_num_format("#,##0"),
            when: Format::new().set_num_format("yyyy-mm-dd hh:mm"),
            total_label: Format::new().set_bold().set_border_top(FormatBorder::Thin),
            total_count: Format::new()
                .set_bold()
                .set_num_format("#,##0")
                .set_border_top(FormatBorder::Thin),
            total_won: won.clone().set_bold().set_border_top(FormatBorder::Thin),
            won,
        })
    }

    fn text(&mut self, col: usize, value: &str) -> std::result::Result<(), XlsxError> {
        let row = self.next_row;
        let sheet = self.book.worksheet_from_index(0)?;
        sheet.write_string_with_format(row, col as u16, value, &self.text)?;
        self.widths[col] = self.widths[col].max(display_width(value));
        Ok(())
    }

    fn number(&mut self, col: usize, value: i64, won: bool) -> std::result::Result<(), XlsxError> {
        let row = self.next_row;
        let format = if won { &self.won } else { &self.count };
        let sheet = self.book.worksheet_from_index(0)?;
        // Amounts are whole won, far inside f64's exact integers.
        sheet.write_number_with_format(row, col as u16, value as f64, format)?;
        let shown = format!("{value:+}").len() + value.abs().to_string().len() / 3 + 1;
        self.widths[col] = self.widths[col].max(shown + if won { 2 } else { 0 });
        Ok(())
    }

    fn time(&mut self, col: usize, at_ms: i64) -> std::result::Result<(), XlsxError> {
        let row = self.next_row;
        let when = kst_datetime(at_ms)?;
        let sheet = self.book.worksheet_from_index(0)?;
        sheet.write_datetime_with_format(row, col as u16, &when, &self.when)?;
        self.widths[col] = self.widths[col].max("2026-12-31 23:59".len());
        Ok(())
    }

    fn order(&mut self, r: &TableRow) -> std::result::Result<(), XlsxError> {
        let o = &r.order;
        let choices = o
            .choices()
            .map(|cs| {
                cs.iter()
                    .map(|c| format!("{}: {}", c.group, c.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        self.text(0, &o.id)?;
        self.time(1, o.created_at)?;
        self.text(2, &r.campaign_title)?;
        self.text(3, &choices)?;
        self.number(4, o.quantity, false)?;
        self.number(5, o.unit_price_krw, true)?;
        self.number(6, o.amount_krw, true)?;
        self.text(7, status_label(o.status()))?;
        self.text(8, &r.display_name)?;
        self.text(9, &format!("@{}", r.handle))?;
        self.text(10, r.community_name.as_deref().unwrap_or(""))?;
        if let Some(paid) = o.paid_at {
            self.time(11, paid)?;
        }
        self.next_row += 1;
        Ok(())
    }

    /// The totals rows, the widths, and the file.
    fn finish(
        mut self,
        totals: &moa_protocol::OrderTotals,
    ) -> std::result::Result<Vec<u8>, XlsxError> {
        let row = self.next_row;
        let sheet = self.book.worksheet_from_index(0)?;
        sheet.write_string_with_format(row, 0, "합계", &self.total_label)?;
        sheet.write_number_with_format(row, 2, totals.orders as f64, &self.total_count)?;
        sheet.write_string_with_format(row, 3, "건", &self.total_label)?;
        sheet.write_number_with_format(row, 4, totals.units as f64, &self.total_count)?;
        sheet.write_number_with_format(row, 6, totals.amount_krw as f64, &self.total_won)?;
        sheet.write_string_with_format(row + 1, 0, "결제 완료 합계", &self.total_label)?;
        sheet.write_number_with_format(
            row + 1,
            6,
            totals.paid_amount_krw as f64,
            &self.total_won,
        )?;
        for (col, width) in self.widths.iter().enumerate() {
            // Two units of margin; very long texts wrap at 60.
            sheet.set_column_width(col as u16, ((*width + 2).min(60)) as f64)?;
        }
        self.book.save_to_buffer()
    }
}

/// What the export thread is sent.
enum Part {
    Rows(Vec<TableRow>),
    Done(moa_protocol::OrderTotals),
}

/// The orders `filter` matches as an `.xlsx` file, and how many rows it
/// holds.
pub async fn orders(
    state: &AppState,
    actor: &Actor,
    filter: &OrderFilter,
) -> Result<(Vec<u8>, i64)> {
    actor.ensure_role(Role::Admin)?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Part>(2);
    let writer = tokio::task::spawn_blocking(move || -> Result<Vec<u8>> {
        let mut sheet = Sheet::new().map_err(xlsx)?;
        while let Some(part) = rx.blocking_recv() {
            match part {
                Part::Rows(rows) => {
                    for r in &rows {
                        sheet.order(r).map_err(xlsx)?;
                    }
                }
                Part::Done(totals) => return sheet.finish(&totals).map_err(xlsx),
            }
        }
        Err(Error::Internal("the export was stopped".into()))
    });
    let sort = filter.sort.unwrap_or_default();
    let mut cursor: Option<String> = None;
    // The totals of exactly the rows written (a second read could see
    // orders placed since).
    let mut totals = moa_protocol::OrderTotals::default();
    loop {
        let rows = {
            let mut conn = state.db.read().acquire().await?;
            admin::table_rows(&mut conn, filter, cursor.as_deref(), PAGE_ROWS).await?
        };
        for r in &rows {
            totals.orders += 1;
            totals.units += r.order.quantity;
            totals.amount_krw += r.order.amount_krw;
            if r.order.status().is_paid() {
                totals.paid_amount_krw += r.order.amount_krw;
            }
        }
        let last = rows.last().map(|r| admin::cursor_after(sort, &r.order));
        let full = rows.len() as i64 == PAGE_ROWS;
        if tx.send(Part::Rows(rows)).await.is_err() {
            break;
        }
        match (full, last) {
            (true, Some(c)) => cursor = Some(c),
            _ => break,
        }
    }
    let _ = tx.send(Part::Done(totals)).await;
    drop(tx);
    let bytes = writer
        .await
        .map_err(|e| Error::Internal(format!("excel export thread: {e}")))??;
    Ok((bytes, totals.orders))
}
