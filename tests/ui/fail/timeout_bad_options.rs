#[decor::timeout("soon")]
async fn vague() -> Result<(), decor::Elapsed> {
    Ok(())
}

#[decor::timeout("0ms")]
async fn instant() -> Result<(), decor::Elapsed> {
    Ok(())
}

#[decor::timeout]
async fn no_limit() -> Result<(), decor::Elapsed> {
    Ok(())
}

#[decor::timeout(after = "1s")]
async fn named() -> Result<(), decor::Elapsed> {
    Ok(())
}

#[decor::timeout("1s", crate = decor, crate = decor)]
async fn twice() -> Result<(), decor::Elapsed> {
    Ok(())
}

fn main() {
    let _ = (vague(), instant(), no_limit(), named(), twice());
}
