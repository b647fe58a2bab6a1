//! Times as people read and write them. The store keeps milliseconds since
//! the Unix epoch (UTC); people see and type local dates.

use chrono::{DateTime, Local, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone};

pub fn local(ms: i64) -> DateTime<Local> {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&Local)
}

/// `2026-11-26T06:19:14.123Z`: exact to the millisecond, for files.
pub fn rfc3339(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub fn parse_rfc3339(s: &str) -> Result<i64, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.timestamp_millis())
        .map_err(|e| format!("`{s}` is not an RFC 3339 time: {e}"))
}

/// What a person types for a date, in local time: `2026-11-26`,
/// `2026-11-26 14:30`, `2026-11-26T14:30:05`, an RFC 3339 time, `today`,
/// `yesterday`, or an age like `3d`, `12h`, `90m` (that long before now).
pub fn parse_user_time(s: &str, now: DateTime<Local>) -> Result<i64, String> {
    let s = s.trim();
    // The day's first moment: midnight, or where clocks skip midnight
    // (daylight saving starting at 00:00), the first hour that exists.
    let midnight = |d: NaiveDate| {
        (0..3)
            .find_map(|h| {
                Local
                    .from_local_datetime(&d.and_hms_opt(h, 0, 0)?)
                    .earliest()
            })
            .map(|t| t.timestamp_millis())
            .ok_or_else(|| format!("`{s}`: that local time does not exist"))
    };
    match s {
        "today" => return midnight(now.date_naive()),
        "yesterday" => return midnight(now.date_naive() - chrono::Days::new(1)),
        "now" => return Ok(now.timestamp_millis()),
        _ => {}
    }
    if let Some((n, unit)) = s
        .char_indices()
        .last()
        .and_then(|(i, u)| s[..i].parse::<i64>().ok().map(|n| (n, u)))
    {
        let per = match unit {
            'd' => Some(86_400_000i64),
            'h' => Some(3_600_000),
            'm' => Some(60_000),
            _ => None,
        };
        if let Some(per) = per {
            return n
                .checked_mul(per)
                .and_then(|ms| now.timestamp_millis().checked_sub(ms))
                .ok_or_else(|| format!("`{s}` is too long ago"));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return midnight(d);
    }
    for f in [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Local
                .from_local_datetime(&t)
                .earliest()
                .map(|t| t.timestamp_millis())
                .ok_or_else(|| format!("`{s}`: that local time does not exist"));
        }
    }
    if let Ok(ms) = parse_rfc3339(s) {
        return Ok(ms);
    }
    Err(format!(
        "`{s}` is not a date: use 2026-11-26, \"2026-11-26 14:30\", today, yesterday, or an age like 3d / 12h"
    ))
}

/// The end of a `--until` day: a bare date means through the end of that day.
pub fn parse_user_until(s: &str, now: DateTime<Local>) -> Result<i64, String> {
    let t = parse_user_time(s, now)?;
    let whole_day = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").is_ok()
        || matches!(s.trim(), "today" | "yesterday");
    Ok(if whole_day {
        local(t)
            .date_naive()
            .succ_opt()
            .and_then(|d| {
                Local
                    .from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
                    .earliest()
            })
            .map(|d| d.timestamp_millis())
            .unwrap_or(t + 86_400_000)
    } else {
        t
    })
}

/// `1h 02m`, `3m 20s`, `12s`.
pub fn duration(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m {s:02}s"),
        (h, m, _) => format!("{h}h {m:02}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_times() {
        let now = local(1_764_140_000_000);
        assert_eq!(
            parse_user_time("3d", now).unwrap(),
            1_764_140_000_000 - 3 * 86_400_000
        );
        assert_eq!(
            parse_user_time("90m", now).unwrap(),
            1_764_140_000_000 - 90 * 60_000
        );
        let day = parse_user_time("2026-11-26", now).unwrap();
        assert_eq!(
            local(day).format("%Y-%m-%d %H:%M").to_string(),
            "2026-11-26 00:00"
        );
        let end = parse_user_until("2026-11-26", now).unwrap();
        assert_eq!(
            local(end).format("%Y-%m-%d %H:%M").to_string(),
            "2026-11-27 00:00"
        );
        let t = parse_user_time("2026-11-26 14:30", now).unwrap();
        assert_eq!(local(t).format("%H:%M").to_string(), "14:30");
        assert_eq!(parse_user_until("2026-11-26 14:30", now).unwrap(), t);
        assert_eq!(
            parse_user_time("2026-11-26T06:19:14.123Z", now).unwrap() % 1000,
            123
        );
        assert!(parse_user_time("last tuesday", now).is_err());
        assert!(parse_user_time("2026-13-01", now).is_err());
        assert!(parse_user_time("99999999999999d", now).is_err());
    }

    #[test]
    fn rfc3339_round_trips_milliseconds() {
        for ms in [0, 1_764_140_000_123, 1_764_140_000_999] {
            assert_eq!(parse_rfc3339(&rfc3339(ms)).unwrap(), ms);
        }
    }

    #[test]
    fn durations() {
        assert_eq!(duration(12_400), "12s");
        assert_eq!(duration(200_000), "3m 20s");
        assert_eq!(duration(3_720_000), "1h 02m");
    }
}
