//! The indexes behind the hotline's entitlement lookup.

use crate::crud::{Sql, Val, like_pattern};
use crate::{Conn, Result};
use sqlx::Row;

/// Replaces the lookup rows of a contact's phones.
pub async fn set_contact_phones(conn: &mut Conn, contact_id: i64, phones: &[String]) -> Result<()> {
    sqlx::query("DELETE FROM contact_phones WHERE contact_id = $1").bind(contact_id).execute(&mut *conn).await?;
    let mut seen: Vec<&str> = Vec::new();
    for p in phones {
        let key = fuwu_core::records::phone_key(p);
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        sqlx::query("INSERT INTO contact_phones (phone, contact_id) VALUES ($1, $2)")
            .bind(key.to_owned())
            .bind(contact_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn ids(conn: &mut Conn, sql: Sql) -> Result<Vec<i64>> {
    sql.fetch_all(conn).await?.iter().map(|r| Ok(r.try_get::<i64, _>(0)?)).collect()
}

/// Customers with a contact at this normalised phone number.
pub async fn customers_by_phone(conn: &mut Conn, phone: &str) -> Result<Vec<i64>> {
    let mut sql = Sql::default();
    let m = sql.arg(Val::Text(Some(phone.to_owned())));
    sql.text = format!(
        "SELECT DISTINCT c.customer_id FROM contact_phones p JOIN contacts c ON c.id = p.contact_id WHERE p.phone = {m}"
    );
    ids(conn, sql).await
}

/// Contacts at this normalised phone number.
pub async fn contacts_by_phone(conn: &mut Conn, phone: &str) -> Result<Vec<i64>> {
    let mut sql = Sql::default();
    let m = sql.arg(Val::Text(Some(phone.to_owned())));
    sql.text = format!("SELECT contact_id FROM contact_phones WHERE phone = {m}");
    ids(conn, sql).await
}

/// Customers whose name or short name contains the text (at most `limit`).
pub async fn customers_by_name(conn: &mut Conn, text: &str, limit: i64) -> Result<Vec<i64>> {
    let mut sql = Sql::default();
    let m = sql.arg(Val::Text(Some(like_pattern(&text.to_lowercase()))));
    let l = sql.arg(Val::Int(Some(limit)));
    sql.text = format!(
        "SELECT id FROM customers WHERE lower(name) LIKE {m} ESCAPE '\\' OR lower(short_name) LIKE {m} ESCAPE '\\' ORDER BY name LIMIT {l}"
    );
    ids(conn, sql).await
}

/// (customer, asset) pairs with this serial number (any product model).
pub async fn assets_by_serial(conn: &mut Conn, serial: &str) -> Result<Vec<(i64, i64)>> {
    let mut sql = Sql::default();
    let m = sql.arg(Val::Text(Some(serial.trim().to_uppercase())));
    sql.text = format!("SELECT customer_id, id FROM assets WHERE serial_number = {m}");
    sql.fetch_all(conn).await?.iter().map(|r| Ok((r.try_get::<i64, _>(0)?, r.try_get::<i64, _>(1)?))).collect()
}

/// (customer, contract) with this contract number.
pub async fn contract_by_number(conn: &mut Conn, number: &str) -> Result<Option<(i64, i64)>> {
    let mut sql = Sql::default();
    let m = sql.arg(Val::Text(Some(number.trim().to_owned())));
    sql.text = format!("SELECT customer_id, id FROM contracts WHERE number = {m}");
    match sql.fetch_optional(conn).await? {
        Some(r) => Ok(Some((r.try_get(0)?, r.try_get(1)?))),
        None => Ok(None),
    }
}

/// (customer, project) pairs whose project code equals, or name contains, the text.
pub async fn projects_by_text(conn: &mut Conn, text: &str, limit: i64) -> Result<Vec<(i64, i64)>> {
    let mut sql = Sql::default();
    let exact = sql.arg(Val::Text(Some(text.trim().to_owned())));
    let like = sql.arg(Val::Text(Some(like_pattern(&text.trim().to_lowercase()))));
    let l = sql.arg(Val::Int(Some(limit)));
    sql.text = format!(
        "SELECT customer_id, id FROM projects WHERE code = {exact} OR lower(name) LIKE {like} ESCAPE '\\' ORDER BY id LIMIT {l}"
    );
    sql.fetch_all(conn).await?.iter().map(|r| Ok((r.try_get::<i64, _>(0)?, r.try_get::<i64, _>(1)?))).collect()
}

/// An asset with its project and the city code of its site (or its project's), in one query.
pub async fn asset_placement(
    conn: &mut Conn,
    asset_id: i64,
) -> Result<
    Option<(
        serde_json::Map<String, serde_json::Value>,
        Option<serde_json::Map<String, serde_json::Value>>,
        Option<String>,
    )>,
> {
    use crate::crud::{aliased, decode_optional};
    use crate::tables::{ASSET, PROJECT};
    let mut sql = Sql::default();
    let m = sql.arg(Val::Int(Some(asset_id)));
    sql.text = format!(
        "SELECT {}, {}, s.city_code AS s_city_code FROM assets a LEFT JOIN projects p ON p.id = a.project_id \
         LEFT JOIN sites s ON s.id = COALESCE(a.site_id, p.site_id) WHERE a.id = {m}",
        aliased(&ASSET, "a"),
        aliased(&PROJECT, "p")
    );
    let Some(row) = sql.fetch_optional(conn).await? else { return Ok(None) };
    let Some(asset) = decode_optional(&ASSET, &row, "a_")? else { return Ok(None) };
    Ok(Some((asset, decode_optional(&PROJECT, &row, "p_")?, row.try_get("s_city_code")?)))
}

/// A customer's contracts, each with its service level, in one query.
pub async fn contracts_with_levels(
    conn: &mut Conn,
    customer_id: i64,
) -> Result<Vec<(serde_json::Map<String, serde_json::Value>, serde_json::Map<String, serde_json::Value>)>> {
    use crate::crud::{aliased, decode_optional};
    use crate::tables::{CONTRACT, SERVICE_LEVEL};
    let mut sql = Sql::default();
    let m = sql.arg(Val::Int(Some(customer_id)));
    sql.text = format!(
        "SELECT {}, {} FROM contracts c JOIN service_levels l ON l.id = c.service_level_id WHERE c.customer_id = {m} ORDER BY c.id",
        aliased(&CONTRACT, "c"),
        aliased(&SERVICE_LEVEL, "l")
    );
    let mut out = Vec::new();
    for row in sql.fetch_all(conn).await? {
        if let (Some(c), Some(l)) =
            (decode_optional(&CONTRACT, &row, "c_")?, decode_optional(&SERVICE_LEVEL, &row, "l_")?)
        {
            out.push((c, l));
        }
    }
    Ok(out)
}

/// (customer, contact) pairs whose normalised phone ends with these digits (at most `limit`).
pub async fn contacts_by_phone_suffix(conn: &mut Conn, digits: &str, limit: i64) -> Result<Vec<(i64, i64)>> {
    let mut sql = Sql::default();
    // Digits only (the app checks), so nothing in them needs escaping.
    let m = sql.arg(Val::Text(Some(format!("%{}", digits.trim()))));
    let l = sql.arg(Val::Int(Some(limit)));
    sql.text = format!(
        "SELECT DISTINCT c.customer_id, c.id FROM contact_phones p JOIN contacts c ON c.id = p.contact_id \
         WHERE p.phone LIKE {m} ESCAPE '\\' ORDER BY c.id LIMIT {l}"
    );
    pairs(conn, sql).await
}

/// (customer, asset) pairs whose serial number contains the text (at most `limit`).
pub async fn assets_by_serial_part(conn: &mut Conn, text: &str, limit: i64) -> Result<Vec<(i64, i64)>> {
    let mut sql = Sql::default();
    let m = sql.arg(Val::Text(Some(like_pattern(&text.trim().to_uppercase()))));
    let l = sql.arg(Val::Int(Some(limit)));
    sql.text =
        format!("SELECT customer_id, id FROM assets WHERE serial_number LIKE {m} ESCAPE '\\' ORDER BY id LIMIT {l}");
    pairs(conn, sql).await
}

/// (customer, contact) pairs whose contact name contains the text (at most `limit`).
pub async fn contacts_by_name(conn: &mut Conn, text: &str, limit: i64) -> Result<Vec<(i64, i64)>> {
    let mut sql = Sql::default();
    let m = sql.arg(Val::Text(Some(like_pattern(&text.trim().to_lowercase()))));
    let l = sql.arg(Val::Int(Some(limit)));
    sql.text =
        format!("SELECT customer_id, id FROM contacts WHERE lower(name) LIKE {m} ESCAPE '\\' ORDER BY id LIMIT {l}");
    pairs(conn, sql).await
}

/// Every customer's (id, name, short name), to match pinyin initials against.
pub async fn customer_names(conn: &mut Conn) -> Result<Vec<(i64, String, Option<String>)>> {
    let sql = Sql { text: "SELECT id, name, short_name FROM customers ORDER BY id".into(), ..Sql::default() };
    sql.fetch_all(conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get::<i64, _>(0)?, r.try_get::<String, _>(1)?, r.try_get::<Option<String>, _>(2)?)))
        .collect()
}

async fn pairs(conn: &mut Conn, sql: Sql) -> Result<Vec<(i64, i64)>> {
    sql.fetch_all(conn).await?.iter().map(|r| Ok((r.try_get::<i64, _>(0)?, r.try_get::<i64, _>(1)?))).collect()
}
