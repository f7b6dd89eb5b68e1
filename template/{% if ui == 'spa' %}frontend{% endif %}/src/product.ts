// The product name as index.html's <title> gives it (rendered, escaped, from the copier answers).
export const productName = document.title;
