//! Korean time (Asia/Seoul, UTC+9, no daylight saving time since 1988):
//! the calendar both sides use to show and group days and deadlines. Times
//! are stored as UTC milliseconds; this turns them into Korean dates and
//! back, with no time zone database.

/// Korea's offset from UTC.
pub const KST_OFFSET_MS: i64 = 9 * 60 * 60 * 1000;

/// One day in milliseconds.
pub const DAY_MS: i64 = 86_400_000;

/// A moment in Korean time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kst {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    /// 0 = Sunday.
    pub weekday: u32,
    pub hour: u32,
    pub minute: u32,
}

impl Kst {
    /// `at_ms` (Unix ms, UTC) in Korean time.
    pub fn of(at_ms: i64) -> Kst {
        let local = at_ms + KST_OFFSET_MS;
        let days = local.div_euclid(DAY_MS);
        let in_day = local.rem_euclid(DAY_MS) / 1000;
        // Civil from days (Howard Hinnant's algorithm).
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Kst {
            year,
            month,
            day,
            weekday: (days + 4).rem_euclid(7) as u32,
            hour: (in_day / 3600) as u32,
            minute: (in_day / 60 % 60) as u32,
        }
    }

    /// The date as `YYYY-MM-DD`.
    pub fn date(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The start (00:00 Korean time, as Unix ms UTC) of the Korean day that
/// holds `at_ms`.
pub fn day_start(at_ms: i64) -> i64 {
    (at_ms + KST_OFFSET_MS).div_euclid(DAY_MS) * DAY_MS - KST_OFFSET_MS
}

/// The Korean date `YYYY-MM-DD` of `at_ms`.
pub fn date_of(at_ms: i64) -> String {
    Kst::of(at_ms).date()
}

/// The start (00:00 Korean time, as Unix ms UTC) of the date `YYYY-MM-DD`;
/// `None` when it is not a real date.
pub fn parse_date(date: &str) -> Option<i64> {
    let mut parts = date.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !(all_digits(y) && all_digits(m) && all_digits(d)) {
        return None;
    }
    let (year, month, day): (i64, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if !(1..=12).contains(&month) || day == 0 {
        return None;
    }
    let start = days_from_civil(year, month, day) * DAY_MS - KST_OFFSET_MS;
    // 02-30 and the like come back as another date.
    (Kst::of(start).day == day).then_some(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn midnight_in_seoul_is_three_in_the_afternoon_utc() {
        // 2026-12-03 00:00 KST = 2026-12-02 15:00 UTC.
        let start = parse_date("2026-12-03");
        assert_eq!(start, Some(1_796_223_600_000));
        assert_eq!(date_of(1_796_223_600_000), "2026-12-03");
        assert_eq!(date_of(1_796_223_600_000 - 1), "2026-12-02");
        assert_eq!(
            day_start(1_796_223_600_000 + 5 * 3_600_000),
            1_796_223_600_000
        );
        assert_eq!(day_start(1_796_223_600_000 - 1), 1_796_223_600_000 - DAY_MS);
    }

    #[test]
    fn dates_round_trip_and_nonsense_is_refused() {
        let mut at = parse_date("1999-12-31").unwrap_or_default();
        for _ in 0..1_000 {
            let date = date_of(at);
            assert_eq!(parse_date(&date), Some(at), "{date}");
            at += DAY_MS;
        }
        assert_eq!(
            date_of(parse_date("2024-02-29").unwrap_or_default()),
            "2024-02-29"
        );
        for bad in [
            "2023-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-1-1",
            "",
            "2026-12-3x",
            "２０２６-12-03",
            "2026-12-03-01",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }
}
