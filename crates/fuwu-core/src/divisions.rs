//! China's administrative divisions (provinces, prefecture-level cities,
//! districts and counties), compiled into the binary. A site records the code
//! of its district or city; routing by branch and partner coverage rolls that up
//! to the prefecture-level city with [`city_code`].

use serde::Serialize;
use std::collections::HashMap;
use std::sync::LazyLock;

static CSV: &str = include_str!("../data/china-admin-divisions.csv");

/// One administrative division.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Division {
    /// 12-digit division code (adcode), e.g. `320102000000`.
    pub code: String,
    /// Chinese name, e.g. `玄武区`.
    pub name: String,
    /// `province`, `city` or `county`.
    pub level: &'static str,
}

struct Table {
    all: Vec<Division>,
    by_code: HashMap<String, usize>,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    let mut all = Vec::new();
    for line in CSV.lines().skip(1) {
        let mut cols = line.split(',');
        let (Some(code), Some(name)) = (cols.next(), cols.next()) else {
            continue;
        };
        if code.len() != 12 {
            continue;
        }
        let level = if &code[2..] == "0000000000" {
            "province"
        } else if &code[4..] == "00000000" {
            "city"
        } else {
            "county"
        };
        all.push(Division { code: code.to_owned(), name: name.to_owned(), level });
    }
    all.sort_by(|a, b| a.code.cmp(&b.code));
    let by_code = all.iter().enumerate().map(|(i, d)| (d.code.clone(), i)).collect();
    Table { all, by_code }
});

/// The division with this code.
pub fn get(code: &str) -> Option<&'static Division> {
    TABLE.by_code.get(code).map(|&i| &TABLE.all[i])
}

/// Names that stand for a grouping rather than a city: municipalities' 市辖区/县
/// and the provinces' directly administered counties.
fn is_placeholder(name: &str) -> bool {
    matches!(name, "市辖区" | "县" | "省直辖县级行政区划" | "自治区直辖县级行政区划")
}

/// The prefecture-level city a division belongs to: for a district its city,
/// for a municipality (北京, 上海, 天津, 重庆) the municipality itself, for a
/// county administered directly by its province the county. `None` for an
/// unknown code or a province.
pub fn city_code(code: &str) -> Option<String> {
    let d = get(code)?;
    if d.level == "province" {
        // 北京市, 上海市, 天津市, 重庆市 are cities themselves.
        return d.name.ends_with('市').then(|| code.to_owned());
    }
    let prefecture = format!("{}00000000", &code[..4]);
    let province = format!("{}0000000000", &code[..2]);
    match get(&prefecture) {
        Some(p) if !is_placeholder(&p.name) => Some(prefecture),
        Some(p) if p.name == "市辖区" || p.name == "县" => Some(province),
        _ => Some(code.to_owned()),
    }
}

/// The province code of a division.
pub fn province_code(code: &str) -> Option<String> {
    get(code).map(|_| format!("{}0000000000", &code[..2]))
}

/// A readable full name: `江苏省 南京市 玄武区`, `北京市 海淀区`.
pub fn full_name(code: &str) -> Option<String> {
    let d = get(code)?;
    let mut parts: Vec<&str> = Vec::new();
    if let Some(p) = province_code(code).and_then(|c| get(&c))
        && p.code != d.code
    {
        parts.push(&p.name);
    }
    let prefecture = format!("{}00000000", &code[..4]);
    if let Some(c) = get(&prefecture)
        && c.code != d.code
        && !is_placeholder(&c.name)
        && d.level == "county"
    {
        parts.push(&c.name);
    }
    parts.push(&d.name);
    Some(parts.join(" "))
}

/// Divisions whose name contains the text, cities first; at most `limit`.
pub fn search(q: &str, limit: usize) -> Vec<&'static Division> {
    let q = q.trim();
    let rank = |d: &Division| match d.level {
        "city" => 0,
        "province" => 1,
        _ => 2,
    };
    let mut hits: Vec<&Division> = TABLE
        .all
        .iter()
        .filter(|d| !is_placeholder(&d.name) && (q.is_empty() || d.name.contains(q) || d.code.starts_with(q)))
        .collect();
    hits.sort_by_key(|d| (rank(d), d.name.chars().count()));
    hits.truncate(limit);
    hits
}

/// The prefecture-level cities of a province (for a municipality: itself).
pub fn cities_in_province(code: &str) -> Vec<&'static Division> {
    let prefix = &code[..2.min(code.len())];
    let mut out: Vec<&Division> = TABLE
        .all
        .iter()
        .filter(|d| d.code.starts_with(prefix) && d.level == "city" && !is_placeholder(&d.name))
        .collect();
    if out.is_empty() {
        out.extend(get(&format!("{prefix}0000000000")));
    }
    out
}

/// The districts and counties of a city (for a municipality: of the municipality).
pub fn districts_of(city: &str) -> Vec<&'static Division> {
    let Some(d) = get(city) else {
        return Vec::new();
    };
    let prefix = if d.level == "province" { &city[..2] } else { &city[..4] };
    TABLE.all.iter().filter(|x| x.code.starts_with(prefix) && x.level == "county").collect()
}

/// Finds a city by its Chinese name, with or without the 市 suffix (`南京`, `南京市`).
pub fn city_by_name(name: &str) -> Option<&'static Division> {
    let want = name.trim().trim_end_matches('市');
    TABLE.all.iter().find(|d| {
        (d.level == "city" || (d.level == "province" && d.name.ends_with('市')))
            && d.name.trim_end_matches('市') == want
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn districts_roll_up_to_their_city() {
        assert_eq!(city_code("320102000000").as_deref(), Some("320100000000")); // 玄武区 → 南京市
        assert_eq!(city_code("440106000000").as_deref(), Some("440100000000")); // 天河区 → 广州市
        assert_eq!(city_code("320100000000").as_deref(), Some("320100000000"));
    }

    #[test]
    fn municipalities_are_their_own_city() {
        assert_eq!(city_code("110108000000").as_deref(), Some("110000000000")); // 海淀区 → 北京市
        assert_eq!(city_code("310109000000").as_deref(), Some("310000000000"));
        assert_eq!(city_code("500233000000").as_deref(), Some("500000000000")); // 忠县 → 重庆市
        assert_eq!(city_code("110000000000").as_deref(), Some("110000000000"));
    }

    #[test]
    fn directly_administered_counties_stand_alone() {
        assert_eq!(city_code("469002000000").as_deref(), Some("469002000000")); // 琼海市
    }

    #[test]
    fn unknown_codes_and_provinces() {
        assert_eq!(city_code("999999999999"), None);
        assert_eq!(city_code("320000000000"), None);
    }

    #[test]
    fn names() {
        assert_eq!(full_name("320102000000").as_deref(), Some("江苏省 南京市 玄武区"));
        assert_eq!(full_name("110108000000").as_deref(), Some("北京市 海淀区"));
        assert_eq!(city_by_name("南京").map(|d| d.code.as_str()), Some("320100000000"));
        assert_eq!(city_by_name("北京市").map(|d| d.code.as_str()), Some("110000000000"));
        assert!(search("南京", 5).iter().any(|d| d.code == "320100000000"));
    }
}
