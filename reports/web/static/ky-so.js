// "Ký số" on the draft page (issue 18): get a single-use link pair from baocao, hand it to the
// VGCA Sign Service on this PC (wss://127.0.0.1:8987/SignApproved), show its answer.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("ky-so");
  if (!box) return;
  const out = box.querySelector("output");
  box.querySelector("button").addEventListener("click", async () => {
    out.textContent = "Đang chuẩn bị tệp để ký…";
    const form = new FormData();
    form.append("csrf_token", box.dataset.csrf);
    const answer = await fetch(box.dataset.url, { method: "POST", body: form, credentials: "same-origin" });
    const prms = await answer.json();
    if (!answer.ok) { out.textContent = prms.error || "Không lấy được đường dẫn ký số."; return; }
    let ws;
    try { ws = new WebSocket("wss://127.0.0.1:8987/SignApproved"); }
    catch (e) { out.textContent = "Không mở được dịch vụ ký số trên máy này."; return; }
    ws.onopen = () => { out.textContent = "Đang chờ ký trên công cụ ký số…"; ws.send(JSON.stringify(prms)); };
    ws.onerror = () => {
      out.textContent = "Không thấy dịch vụ ký số VGCA trên máy này. Tải tệp PDF, ký bằng công cụ "
        + "ký số của cơ quan, rồi gửi tệp đã ký cho bộ phận CNTT để đưa vào hệ thống.";
    };
    ws.onmessage = (event) => {
      ws.close();
      let result;
      try { result = JSON.parse(event.data); } catch (e) { result = { Status: 1, Message: String(event.data) }; }
      let server = result.FileServer;
      if (typeof server === "string") { try { server = JSON.parse(server); } catch (e) { server = null; } }
      const message = (server && server.Message) || result.Message || "";
      if (result.Status === 0 && !(server && server.Status)) {
        out.textContent = "Đã ký và gửi bản đã ký. " + message;
        window.location.reload();
      } else {
        out.textContent = "Ký số không thành công: " + message;
      }
    };
  });
});
